// The door panel's calls over the VTO's own SIP user agent: CallControl for the panel,
// and the user agent's call events turned into the panel's notifications (ringing,
// answered, failed, ended, DTMF received as SIP INFO).
#pragma once

#include "device/call_control.h"

namespace vto::sip {
class UserAgent;
struct UaEvent;
}  // namespace vto::sip
namespace vto::device {
class Panel;
}

namespace vto::station {

class UaCallControl final : public device::CallControl {
 public:
  explicit UaCallControl(sip::UserAgent& ua) : ua_(ua) {}

  void set_panel(device::Panel* panel) { panel_ = panel; }

  device::CallHandle place(const std::string& number) override;
  void hang_up(device::CallHandle call) override;

  // Feed every event of the user agent here.
  void on_event(const sip::UaEvent& event);

 private:
  sip::UserAgent& ua_;
  device::Panel* panel_ = nullptr;
};

// Tells the panel what a user agent event means for its call (ringing, answered, failed,
// ended, DTMF received as SIP INFO); other events are not the panel's business.
void notify_panel(device::Panel& panel, const sip::UaEvent& event);

// The digits of a DTMF INFO body: "Signal=5\r\nDuration=160" (application/dtmf-relay) or
// "5" (application/dtmf). Empty when the body carries none.
std::string dtmf_digits(std::string_view content_type, std::string_view body);

}  // namespace vto::station
