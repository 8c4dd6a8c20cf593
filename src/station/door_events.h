// What happens at the door, in one model for everything that reports it to other systems:
// the device family's event streams (HTTP multipart and port 5000) use it, and so can any
// later bridge. The Station feeds it from the panel (calls), the door contact, the unlock
// records, the alarm centre and the user agent's registration; listeners hear each event
// once, on the core thread, in the order things happened.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "device/panel.h"
#include "hal/door_sensor.h"
#include "hal/listeners.h"
#include "records/unlock_records.h"

namespace vto::station {

struct DoorEvent {
  enum class Kind {
    CallStarted,   // a visitor called `number` (a button, the keypad or the centre key)
    CallAnswered,  // somebody in the flat took the call
    CallEnded,     // the call is over; `answered` says whether anybody took it
    DoorOpened,    // the door contact opened
    DoorClosed,    // ... and closed
    Unlock,        // an attempt to open the door, granted or refused (the unlock record)
    AlarmStarted,  // an alarm was raised (`alarm_type`: "tamper", "forced_open", ...)
    AlarmEnded,    // its condition is over
    Registration,  // the VTO's own SIP registration succeeded (`ok`) or failed
  };
  Kind kind = Kind::CallStarted;
  std::int64_t at_ms = 0;             // unix ms
  std::uint64_t call = 0;             // Call*: the panel's call
  std::string number = {};            // Call*: the number called
  bool keypad = false;                // CallStarted: dialled on the keypad (not a button)
  bool answered = false;              // CallEnded
  bool ok = false;                    // Registration
  records::UnlockRecord unlock = {};  // Unlock: what the record says (card numbers masked)
  std::string alarm_type = {};        // Alarm*
  std::int64_t alarm_id = 0;          // Alarm*
};

std::string_view kind_name(DoorEvent::Kind kind);  // "call_started", "door_opened", ...

// An event as MQTT (<base>/event/<kind>) and webhooks carry it: {"event", "time" (UTC),
// "time_ms", "device" (the VTO No.), ...its own fields} (docs/mqtt.md, "Events"); `button`
// is the call button of a call (1-based), none for a number dialled.
nlohmann::json event_json(const DoorEvent& e, const std::string& device, std::optional<int> button);

class DoorEvents {
 public:
  using Listener = std::function<void(const DoorEvent&)>;

  explicit DoorEvents(std::function<std::int64_t()> now_ms);

  hal::ListenerId add_listener(Listener fn) { return listeners_.add(std::move(fn)); }
  void remove_listener(hal::ListenerId id) { listeners_.remove(id); }

  // The panel's state after each change: a call starts (Idle or Dialling -> Calling), is
  // answered (Calling -> Talking) and ends (back to Idle or Dialling).
  void on_panel(const device::PanelStatus& status);
  void on_door(hal::DoorState state);
  void on_unlock(const records::UnlockRecord& record);
  // An alarm as the alarm centre publishes it ({"event": "alarm", "state": "raised"...}):
  // "raised" and "ended" are events, "delivered" is not.
  void on_alarm(const nlohmann::json& alarm);
  void on_registration(bool ok);

 private:
  void emit(DoorEvent event);
  void on_panel_change(const device::PanelStatus& status, bool from_keypad);

  std::function<std::int64_t()> now_ms_;
  hal::Listeners<const DoorEvent&> listeners_;
  bool in_call_ = false;
  bool answered_ = false;
  std::uint64_t call_ = 0;
  std::string number_;
  device::PanelState last_state_ = device::PanelState::Idle;
};

}  // namespace vto::station
