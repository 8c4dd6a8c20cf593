// The wall clock in unix milliseconds: records, tokens and the audit log carry calendar
// time, unlike core::Timers (a monotonic clock). Injected where tests need to set it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace vto::core {

using UnixClock = std::function<std::int64_t()>;

inline std::int64_t system_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace vto::core
