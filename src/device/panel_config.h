// PanelConfig: what the installer sets for the panel state machine, its validation, and the
// one table from a call's final SIP status to the text the visitor reads.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/timers.h"

namespace vto::device {

inline constexpr std::string_view kCentreNumber = "888888";

struct PanelConfig {
  // Call button index (0-based, across the facade) → room number or kCentreNumber.
  // Buttons without an entry are not mapped and only give an error tone.
  std::map<std::size_t, std::string> buttons;
  core::Duration ring_timeout = std::chrono::seconds(30);
  core::Duration talk_limit = std::chrono::seconds(120);
  core::Duration dial_pause = std::chrono::seconds(5);  // typed digits are cleared after it
  std::size_t max_dialled = 6;                          // room numbers have at most 6 digits
  // The DTMF digits a monitor sends during a call to open the door. No default secret:
  // empty means remote unlock by DTMF is off.
  std::string unlock_code;
  core::Duration unlock_hold = std::chrono::seconds(5);
  core::Duration dtmf_pause = std::chrono::seconds(2);    // a pause ends an unlock code entry
  core::Duration message_time = std::chrono::seconds(3);  // how long a failure text stays
  std::string idle_text = "Enter room number";
};

// Rejects, naming the field: a mapped number that is not 1-6 letters or digits, durations
// that are not positive, max_dialled outside 1-6, an unlock code with characters DTMF cannot
// send (0-9 * # A-D) or longer than 16.
Result<void> check_config(const PanelConfig& config);

// The short text shown to the visitor when a call fails with `status`:
// 486/600 "Busy", 480 "Nobody home", 404/604 "Unknown number", 408 "No answer",
// anything else "Call failed".
std::string_view failure_text(int status);

}  // namespace vto::device
