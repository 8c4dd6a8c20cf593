#include "compat/cgi_query.h"

#include "web/query.h"

#include <ctime>

namespace vto::compat {

std::string cgi_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && web::hex_digit(s[i + 1]) >= 0 &&
               web::hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(web::hex_digit(s[i + 1]) * 16 + web::hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> cgi_pairs(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start <= query.size() && out.size() < 64) {
    const auto amp = query.find('&', start);
    const std::string_view piece =
        query.substr(start, amp == std::string_view::npos ? query.npos : amp - start);
    const auto eq = piece.find('=');
    if (!piece.empty()) {
      std::string key = cgi_decode(piece.substr(0, eq));
      std::string value = eq == std::string_view::npos ? "" : cgi_decode(piece.substr(eq + 1));
      if (key != "action") out.emplace_back(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return out;
}

std::optional<std::int64_t> cgi_time(std::string_view text) {
  // "YYYY-MM-DD HH:MM:SS", local time; anything else is no time.
  if (text.size() != 19) return std::nullopt;
  const auto number = [&](std::size_t at, std::size_t digits) -> std::optional<int> {
    int v = 0;
    for (std::size_t k = at; k < at + digits; ++k) {
      if (text[k] < '0' || text[k] > '9') return std::nullopt;
      v = v * 10 + (text[k] - '0');
    }
    return v;
  };
  if (text[4] != '-' || text[7] != '-' || text[10] != ' ' || text[13] != ':' || text[16] != ':')
    return std::nullopt;
  const auto year = number(0, 4), month = number(5, 2), day = number(8, 2), hour = number(11, 2),
             minute = number(14, 2), second = number(17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (*year < 1970 || *year > 2099 || *month < 1 || *month > 12 || *day < 1 || *day > 31 ||
      *hour > 23 || *minute > 59 || *second > 60)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  tm.tm_isdst = -1;
  const std::time_t t = std::mktime(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<std::int64_t>(t);
}

}  // namespace vto::compat
