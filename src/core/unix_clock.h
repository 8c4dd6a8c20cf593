// The wall clock in unix milliseconds: records, tokens and the audit log carry calendar
// time, unlike core::Timers (a monotonic clock). Injected where tests need to set it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <functional>
#include <string>

namespace vto::core {

using UnixClock = std::function<std::int64_t()>;

inline std::int64_t system_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Unix ms as UTC text, as records, exports and faults write it: "2026-05-01T14:03:22.123Z".
inline std::string utc_text(std::int64_t ms) {
  const auto secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::array<char, 96> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf.data();
}

}  // namespace vto::core
