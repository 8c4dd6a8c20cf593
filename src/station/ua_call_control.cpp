#include "station/ua_call_control.h"

#include "device/panel.h"
#include "sip/ua/user_agent.h"

namespace vto::station {

namespace {

bool is_dtmf_char(char c) {
  return (c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D');
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

std::string dtmf_digits(std::string_view content_type, std::string_view body) {
  std::string digits;
  if (starts_with_nocase(content_type, "application/dtmf-relay")) {
    // Lines "Signal=5", "Duration=160"; only Signal matters.
    while (!body.empty()) {
      const auto end = body.find('\n');
      std::string_view line = trim(body.substr(0, end));
      body = end == std::string_view::npos ? std::string_view{} : body.substr(end + 1);
      if (!starts_with_nocase(line, "signal")) continue;
      const auto eq = line.find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view value = trim(line.substr(eq + 1));
      if (value.size() == 1) {
        char c = value[0];
        if (c >= 'a' && c <= 'd') c = static_cast<char>(c - 'a' + 'A');
        if (is_dtmf_char(c)) digits.push_back(c);
      }
    }
  } else if (starts_with_nocase(content_type, "application/dtmf")) {
    std::string_view value = trim(body);
    if (value.size() == 1 && is_dtmf_char(value[0])) digits.push_back(value[0]);
  }
  return digits;
}

device::CallHandle UaCallControl::place(const std::string& number) {
  return ua_.call(number);
}

void UaCallControl::hang_up(device::CallHandle call) {
  (void)ua_.hangup(call);  // a call that already ended is not an error here
}

void notify_panel(device::Panel& panel, const sip::UaEvent& e) {
  using Type = sip::UaEvent::Type;
  switch (e.type) {
    case Type::Ringing:
      panel.on_ringing(e.call);
      break;
    case Type::Answered:
      panel.on_answered(e.call);
      break;
    case Type::Rejected:
      panel.on_failed(e.call, e.status, e.reason);
      break;
    case Type::Cancelled:
    case Type::Bye:
      panel.on_ended(e.call);
      break;
    case Type::Error:
      if (e.call) panel.on_failed(e.call, e.status ? e.status : 500, e.reason);
      break;
    case Type::Info:
      if (auto digits = dtmf_digits(e.content_type, e.body); !digits.empty()) {
        panel.on_dtmf(e.call, digits);
      }
      break;
    default:
      break;
  }
}

void UaCallControl::on_event(const sip::UaEvent& e) {
  if (panel_) notify_panel(*panel_, e);
}

}  // namespace vto::station
