#include "onvif/ws_security.h"

#include <charconv>
#include <chrono>

namespace vto::onvif {

namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::optional<std::int64_t> parse_created_ms(std::string_view s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, month) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') ||
      !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' ||
      !digits(s, 17, 2, second))
    return std::nullopt;
  std::size_t pos = 19;
  int ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 3) ms = ms * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0 || n > 9) return std::nullopt;
    for (std::size_t i = n; i < 3; ++i) ms *= 10;
  }
  int offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    offset_min = (s[pos] == '+' ? 1 : -1) * (oh * 60 + om);
    pos += 6;
  } else {
    return std::nullopt;  // a time without its zone means nothing here
  }
  if (pos != s.size()) return std::nullopt;
  using namespace std::chrono;
  const year_month_day date{std::chrono::year(year),
                            std::chrono::month(static_cast<unsigned>(month)),
                            std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const auto t = sys_days(date) + hours(hour) + minutes(minute) + seconds(second) +
                 milliseconds(ms) - minutes(offset_min);
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

void NonceCache::forget_before(std::int64_t ms) {
  while (!by_created_.empty() && by_created_.begin()->first < ms) {
    nonces_.erase(by_created_.begin()->second);
    by_created_.erase(by_created_.begin());
  }
}

NonceCache::Verdict NonceCache::check(const std::string& nonce, std::int64_t created_ms,
                                      std::int64_t now_ms) {
  // A remembered nonce can be replayed only while its Created is in the window.
  forget_before(now_ms - kWindowMs);
  if (created_ms < now_ms - kWindowMs || created_ms > now_ms + kWindowMs || created_ms < floor_ms_)
    return Verdict::Stale;
  if (nonces_.contains(nonce)) return Verdict::Replay;
  while (nonces_.size() >= std::max<std::size_t>(cap_, 1)) {
    // Full: the oldest is forgotten, and nothing created before it is taken any more.
    floor_ms_ = std::max(floor_ms_, by_created_.begin()->first + 1);
    forget_before(floor_ms_);
  }
  if (created_ms < floor_ms_) return Verdict::Stale;
  nonces_.insert(nonce);
  by_created_.emplace(created_ms, nonce);
  return Verdict::Fresh;
}

}  // namespace vto::onvif
