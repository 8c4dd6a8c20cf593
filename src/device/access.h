// Access: what the panel asks when someone at the door presents a credential (a card, a
// finger, a keypad password) or a monitor sends the unlock code. The access-control core
// implements it: it decides, opens the lock itself and keeps the record; the panel only
// shows the answer on the display and cues the tone. Everything on the core thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "hal/fingerprint_reader.h"

namespace vto::device {

struct AccessAnswer {
  bool granted = false;
  std::string text;  // for the display: "Door open", "Card expired", "Wrong password"...
};

class Access {
 public:
  virtual ~Access() = default;
  virtual AccessAnswer card(const std::string& number) = 0;
  virtual AccessAnswer finger(const hal::FingerScan& scan) = 0;
  // The password typed between '#' and '#'. The answer may come later (the password is
  // hashed off the core thread), always on the core thread, possibly before this returns.
  virtual void password(const std::string& code, std::function<void(AccessAnswer)> done) = 0;
  // The answering monitor `device` ("101#0") sent `entry` (digits ended by '#' or a pause,
  // see DtmfEntry) during call `call`: compared with the unlock code, wrong ones counted
  // per call and per device.
  virtual AccessAnswer monitor_code(const std::string& device, std::uint64_t call,
                                    const std::string& entry) = 0;
  // Call `call` is over: its count of wrong codes goes.
  virtual void call_ended(std::uint64_t call) = 0;
};

}  // namespace vto::device
