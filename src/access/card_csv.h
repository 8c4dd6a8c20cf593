// Cards as CSV (RFC 4180), for export and import: a header row naming the columns, then
// one card per row. Columns: number (required), room, person, valid_from, valid_to,
// status; in any order, unknown ones refused. Times are UTC, written
// "2026-12-31T23:59:59.999Z"; read also as "2026-12-31" (valid_from: the day's start,
// valid_to: its end) or without milliseconds. An empty time is "none".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/credentials.h"
#include "core/result.h"

namespace vto::access {

inline constexpr std::size_t kMaxCsvBytes = 32u * 1024 * 1024;

std::string_view cards_csv_header();  // "number,room,person,valid_from,valid_to,status"
std::string cards_csv(const std::vector<Card>& cards);

// Every card of the text, or the first problem as Errc::Invalid "line N: ..." (the header is
// line 1). Fields are checked by Cards (checked_card) and the rooms by the import.
Result<std::vector<Card>> parse_cards_csv(std::string_view text);

// "2026-12-31T23:59:59.999Z" for unix ms; "" for 0.
std::string utc_time(std::int64_t ms);
// The unix ms of a UTC time as above; a date alone is its first (or, with end_of_day,
// last) millisecond. nullopt when it is not such a time.
std::optional<std::int64_t> parse_utc_time(std::string_view text, bool end_of_day);

}  // namespace vto::access
