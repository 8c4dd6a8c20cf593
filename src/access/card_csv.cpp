#include "access/card_csv.h"

#include <array>
#include <charconv>
#include <ctime>

#include "core/unix_clock.h"
#include "store/csv.h"

namespace vto::access {
namespace {

constexpr std::array<std::string_view, 6> kColumns = {"number",     "room",     "person",
                                                      "valid_from", "valid_to", "status"};

Error line_error(std::size_t line, const std::string& message) {
  return make_error("line " + std::to_string(line) + ": " + message, Errc::Invalid);
}

// Splits RFC 4180 text into records of fields. A quote inside an unquoted field, or text
// after a closing quote, is an error naming the line.
Result<std::vector<std::vector<std::string>>> split_csv(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, was_quoted = false;
  std::size_t line = 1, quote_line = 1;
  auto end_field = [&] {
    // A leading ' guards a formula-like field on export (store::csv_field): drop it.
    if (field.size() >= 2 && field[0] == '\'' &&
        std::string_view("=+-@").find(field[1]) != std::string_view::npos) {
      field.erase(0, 1);
    }
    row.push_back(std::move(field));
    field.clear();
    was_quoted = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty() || was_quoted) return line_error(line, "a quote inside a field");
      quoted = was_quoted = true;
      quote_line = line;
    } else if (c == ',') {
      end_field();
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_field();
      rows.push_back(std::move(row));
      row.clear();
      ++line;
    } else {
      if (was_quoted) return line_error(line, "text after a closing quote");
      field += c;
    }
  }
  if (quoted) return line_error(quote_line, "a quoted field is not closed");
  if (!field.empty() || !row.empty() || was_quoted) {
    end_field();
    rows.push_back(std::move(row));
  }
  return rows;
}

bool digits(std::string_view s, std::size_t n, int& out) {
  if (s.size() < n) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + n, out);
  return ec == std::errc() && end == s.data() + n;
}

}  // namespace

std::string_view cards_csv_header() {
  return "number,room,person,valid_from,valid_to,status";
}

std::string utc_time(std::int64_t ms) {
  return ms == 0 ? std::string() : core::utc_text(ms);
}

std::optional<std::int64_t> parse_utc_time(std::string_view t, bool end_of_day) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  if (!digits(t, 4, y) || t.size() < 10 || t[4] != '-' || !digits(t.substr(5), 2, mo) ||
      t[7] != '-' || !digits(t.substr(8), 2, d)) {
    return std::nullopt;
  }
  bool date_only = t.size() == 10;
  if (!date_only) {
    if (t.size() < 20 || (t[10] != 'T' && t[10] != ' ') || !digits(t.substr(11), 2, h) ||
        t[13] != ':' || !digits(t.substr(14), 2, mi) || t[16] != ':' ||
        !digits(t.substr(17), 2, s)) {
      return std::nullopt;
    }
    std::string_view rest = t.substr(19);
    if (rest.size() == 5 && rest[0] == '.') {
      if (!digits(rest.substr(1), 3, ms)) return std::nullopt;
      rest.remove_prefix(4);
    }
    if (rest != "Z") return std::nullopt;
  }
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const std::time_t secs = timegm(&tm);
  std::tm back{};
  gmtime_r(&secs, &back);
  if (back.tm_mday != d || back.tm_mon != mo - 1) return std::nullopt;  // 2026-02-30
  std::int64_t out = static_cast<std::int64_t>(secs) * 1000 + ms;
  if (date_only && end_of_day) out += 24 * 3600 * 1000 - 1;
  return out;
}

std::string cards_csv(const std::vector<Card>& cards) {
  std::string out(cards_csv_header());
  out += "\r\n";
  for (const Card& c : cards) {
    out += c.number + ',' + store::csv_field(c.room) + ',' + store::csv_field(c.person) + ',' +
           utc_time(c.valid_from_ms) + ',' + utc_time(c.valid_to_ms) + ',' +
           std::string(card_status_name(c.status)) + "\r\n";
  }
  return out;
}

Result<std::vector<Card>> parse_cards_csv(std::string_view text) {
  if (text.size() > kMaxCsvBytes) {
    return make_error("the file is larger than 32 MiB", Errc::Invalid);
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a spreadsheet's BOM
  auto rows = split_csv(text);
  if (!rows) return rows.error();
  if (rows->empty())
    return line_error(1, "no header row (" + std::string(cards_csv_header()) + ")");
  // Which column holds what.
  std::array<std::optional<std::size_t>, kColumns.size()> at{};
  const auto& header = (*rows)[0];
  for (std::size_t i = 0; i < header.size(); ++i) {
    std::size_t k = 0;
    while (k < kColumns.size() && kColumns[k] != header[i]) ++k;
    if (k == kColumns.size()) {
      return line_error(1, "unknown column \"" + header[i].substr(0, 32) +
                               "\" (columns: " + std::string(cards_csv_header()) + ")");
    }
    if (at[k]) return line_error(1, "column " + header[i] + " twice");
    at[k] = i;
  }
  if (!at[0]) return line_error(1, "no number column");
  std::vector<Card> cards;
  for (std::size_t r = 1; r < rows->size(); ++r) {
    const auto& row = (*rows)[r];
    const std::size_t line = r + 1;
    if (row.size() == 1 && row[0].empty()) continue;  // a blank line
    if (row.size() != header.size()) {
      return line_error(line, std::to_string(row.size()) + " fields, the header has " +
                                  std::to_string(header.size()));
    }
    auto get = [&](std::size_t k) -> const std::string& {
      static const std::string empty;
      return at[k] ? row[*at[k]] : empty;
    };
    Card c;
    c.number = get(0);
    c.room = get(1);
    c.person = get(2);
    for (std::size_t k : {std::size_t{3}, std::size_t{4}}) {
      const std::string& t = get(k);
      if (t.empty()) continue;
      auto ms = parse_utc_time(t, k == 4);
      if (!ms) {
        return line_error(line, std::string(kColumns[k]) +
                                    ": a UTC time like 2026-12-31 or 2026-12-31T23:59:59Z");
      }
      (k == 3 ? c.valid_from_ms : c.valid_to_ms) = *ms;
    }
    if (!get(5).empty()) {
      auto status = parse_card_status(get(5));
      if (!status) return line_error(line, "status: normal, lost or frozen");
      c.status = *status;
    }
    auto checked = checked_card(c);
    if (!checked) return line_error(line, checked.error().message);
    cards.push_back(std::move(*checked));
    if (cards.size() > kMaxCards) {
      return make_error("more than " + std::to_string(kMaxCards) + " cards", Errc::Invalid);
    }
  }
  return cards;
}

}  // namespace vto::access
