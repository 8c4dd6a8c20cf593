#include "device/panel_config.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace vto::device {
namespace {

constexpr std::size_t kMaxNumber = 6;
constexpr std::size_t kMaxUnlockCode = 16;

bool is_room_number(std::string_view number) {
  if (number.empty() || number.size() > kMaxNumber) return false;
  return std::ranges::all_of(number,
                             [](unsigned char c) { return std::isalnum(c) != 0 && c < 0x80; });
}

bool is_dtmf(char c) {
  return (c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D');
}

Result<void> check_positive(core::Duration value, std::string_view field) {
  if (value > core::Duration::zero()) return {};
  return make_error(std::string(field) + ": must be more than 0 ms");
}

}  // namespace

Result<void> check_config(const PanelConfig& config) {
  for (const auto& [button, number] : config.buttons) {
    if (!is_room_number(number)) {
      return make_error("buttons[" + std::to_string(button) + "]: '" + number +
                        "' is not a room number (1-6 letters or digits) or the centre");
    }
  }
  const std::pair<core::Duration, std::string_view> durations[] = {
      {config.ring_timeout, "ring_timeout"}, {config.talk_limit, "talk_limit"},
      {config.dial_pause, "dial_pause"},     {config.unlock_hold, "unlock_hold"},
      {config.dtmf_pause, "dtmf_pause"},     {config.message_time, "message_time"}};
  for (const auto& [value, field] : durations) {
    if (auto ok = check_positive(value, field); !ok) return ok;
  }
  if (config.max_dialled < 1 || config.max_dialled > kMaxNumber) {
    return make_error("max_dialled: must be 1 to 6");
  }
  if (config.unlock_code.size() > kMaxUnlockCode) {
    return make_error("unlock_code: at most 16 characters");
  }
  if (!std::ranges::all_of(config.unlock_code, is_dtmf)) {
    return make_error("unlock_code: only 0-9, *, # and A-D can be sent as DTMF");
  }
  return {};
}

std::string_view failure_text(int status) {
  switch (status) {
    case 486:
    case 600:
      return "Busy";
    case 480:
      return "Nobody home";
    case 404:
    case 604:
      return "Unknown number";
    case 408:
      return "No answer";
    default:
      return "Call failed";
  }
}

}  // namespace vto::device
