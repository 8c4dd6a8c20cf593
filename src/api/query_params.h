// The query-string parameters the record and list routes share: numbers, texts, and the
// time range, paging and order of a search. Every error is Errc::Invalid naming the
// parameter ("limit: must be 1-500").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace vto::api {

Error bad_param(std::string_view name, std::string_view rule);

// The decimal value of parameter `name` within [0, max], nullopt when absent.
Result<std::optional<std::int64_t>> number_param(std::string_view query, std::string_view name,
                                                 std::int64_t max);
// The text of parameter `name`, nullopt when absent or empty ("room=" is no filter).
Result<std::optional<std::string>> text_param(std::string_view query, std::string_view name);

// from, to (unix ms), offset, limit (1..max_limit) and order (newest/oldest) of a search.
struct SearchWindow {
  std::optional<std::int64_t> from_ms, to_ms;
  std::optional<std::size_t> offset, limit;  // nullopt: the query's default
  bool oldest_first = false;
};
Result<SearchWindow> search_window(std::string_view query, std::size_t max_limit);

// Copies a window into a records query (CallQuery, UnlockQuery, AlarmQuery).
template <class Query>
void apply(const SearchWindow& w, Query& q) {
  q.from_ms = w.from_ms;
  q.to_ms = w.to_ms;
  if (w.offset) q.offset = *w.offset;
  if (w.limit) q.limit = *w.limit;
  q.oldest_first = w.oldest_first;
}

}  // namespace vto::api
