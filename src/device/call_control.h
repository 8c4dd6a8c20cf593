// CallControl: how the panel places and ends calls. The app implements it over the SIP user
// agent; the panel never sees SIP. Call progress comes back as Panel::on_ringing(),
// on_answered(), on_failed(), on_ended() and on_dtmf(), on the core thread.
#pragma once

#include <cstdint>
#include <string>

namespace vto::device {

using CallHandle = std::uint64_t;
inline constexpr CallHandle kNoCall = 0;

class CallControl {
 public:
  virtual ~CallControl() = default;
  // Starts a call to `number` (a room number or the centre). Returns kNoCall when the call
  // cannot even be started. Must not call back into the panel before it returns: progress
  // is reported later, with the returned id.
  virtual CallHandle place(const std::string& number) = 0;
  // Ends a call: CANCEL while it rings, BYE once answered. Unknown ids are a no-op.
  virtual void hang_up(CallHandle call) = 0;
};

}  // namespace vto::device
