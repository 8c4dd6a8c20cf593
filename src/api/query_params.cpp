#include "api/query_params.h"

#include <charconv>
#include <limits>

#include "web/query.h"

namespace vto::api {

Error bad_param(std::string_view name, std::string_view rule) {
  return make_error(std::string(name) + ": " + std::string(rule), Errc::Invalid);
}

Result<std::optional<std::int64_t>> number_param(std::string_view query, std::string_view name,
                                                 std::int64_t max) {
  auto text = web::query_param(query, name);
  if (!text) return bad_param(name, text.error().message);
  if (!*text) return std::optional<std::int64_t>{};
  const std::string& s = **text;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || value < 0 || value > max) {
    return bad_param(name, "must be a whole number from 0 to " + std::to_string(max));
  }
  return std::optional<std::int64_t>{value};
}

Result<std::optional<std::string>> text_param(std::string_view query, std::string_view name) {
  auto text = web::query_param(query, name);
  if (!text) return bad_param(name, text.error().message);
  if (*text && (*text)->empty()) return std::optional<std::string>{};
  return *text;
}

Result<SearchWindow> search_window(std::string_view query, std::size_t max_limit) {
  constexpr auto kMaxMs = std::numeric_limits<std::int64_t>::max();
  SearchWindow w;
  auto from = number_param(query, "from", kMaxMs);
  if (!from) return from.error();
  w.from_ms = *from;
  auto to = number_param(query, "to", kMaxMs);
  if (!to) return to.error();
  w.to_ms = *to;
  auto offset = number_param(query, "offset", std::numeric_limits<std::int32_t>::max());
  if (!offset) return offset.error();
  if (*offset) w.offset = static_cast<std::size_t>(**offset);
  auto limit = number_param(query, "limit", static_cast<std::int64_t>(max_limit));
  if (!limit) return limit.error();
  if (*limit) {
    if (**limit == 0) return bad_param("limit", "must be 1-" + std::to_string(max_limit));
    w.limit = static_cast<std::size_t>(**limit);
  }
  auto order = text_param(query, "order");
  if (!order) return order.error();
  if (*order) {
    if (**order != "newest" && **order != "oldest") return bad_param("order", "newest or oldest");
    w.oldest_first = **order == "oldest";
  }
  return w;
}

}  // namespace vto::api
