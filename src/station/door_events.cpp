#include "station/door_events.h"

#include "access/card_csv.h"

namespace vto::station {

std::string_view kind_name(DoorEvent::Kind kind) {
  switch (kind) {
    case DoorEvent::Kind::CallStarted:
      return "call_started";
    case DoorEvent::Kind::CallAnswered:
      return "call_answered";
    case DoorEvent::Kind::CallEnded:
      return "call_ended";
    case DoorEvent::Kind::DoorOpened:
      return "door_opened";
    case DoorEvent::Kind::DoorClosed:
      return "door_closed";
    case DoorEvent::Kind::Unlock:
      return "unlock";
    case DoorEvent::Kind::AlarmStarted:
      return "alarm_started";
    case DoorEvent::Kind::AlarmEnded:
      return "alarm_ended";
    case DoorEvent::Kind::Registration:
      return "registration";
  }
  return "unknown";
}

DoorEvents::DoorEvents(std::function<std::int64_t()> now_ms) : now_ms_(std::move(now_ms)) {}

using Kind = DoorEvent::Kind;

nlohmann::json event_json(const station::DoorEvent& e, const std::string& device,
                          std::optional<int> button) {
  nlohmann::json j = {{"event", std::string(kind_name(e.kind))},
                      {"time", access::utc_time(e.at_ms)},
                      {"time_ms", e.at_ms},
                      {"device", device}};
  switch (e.kind) {
    case Kind::CallStarted:
    case Kind::CallAnswered:
    case Kind::CallEnded:
      j["call"] = e.call;
      j["room"] = e.number;
      if (e.kind == Kind::CallStarted)
        j["button"] = button ? nlohmann::json(*button) : nlohmann::json(nullptr);
      if (e.kind == Kind::CallEnded) j["answered"] = e.answered;
      break;
    case Kind::Unlock:
      j["method"] = e.unlock.method;
      j["credential"] = e.unlock.credential;  // card numbers masked already
      j["person"] = e.unlock.person;
      j["room"] = e.unlock.room;
      j["result"] = e.unlock.result;
      if (!e.unlock.reason.empty()) j["reason"] = e.unlock.reason;
      break;
    case Kind::AlarmStarted:
    case Kind::AlarmEnded:
      j["alarm"] = e.alarm_id;
      j["type"] = e.alarm_type;
      break;
    case Kind::Registration:
      j["ok"] = e.ok;
      break;
    case Kind::DoorOpened:
    case Kind::DoorClosed:
      break;
  }
  return j;
}

void DoorEvents::emit(DoorEvent event) {
  event.at_ms = now_ms_();
  listeners_.emit(event);
}

void DoorEvents::on_panel(const device::PanelStatus& status) {
  // Digits typed before the call: the visitor dialled the number on the keypad.
  const bool from_keypad = last_state_ == device::PanelState::Dialling;
  last_state_ = status.state;
  on_panel_change(status, from_keypad);
}

void DoorEvents::on_panel_change(const device::PanelStatus& status, bool from_keypad) {
  using device::PanelState;
  const bool calling = status.state == PanelState::Calling;
  const bool talking = status.state == PanelState::Talking;
  // A new call while one was going (a call replaced at once): the old one ends first.
  if (in_call_ && (calling || talking) && status.call != call_) {
    emit({.kind = DoorEvent::Kind::CallEnded,
          .call = call_,
          .number = number_,
          .answered = answered_});
    in_call_ = false;
  }
  if (!in_call_) {
    if (!calling && !talking) return;
    in_call_ = true;
    answered_ = false;
    call_ = status.call;
    number_ = status.number;
    emit({.kind = DoorEvent::Kind::CallStarted,
          .call = call_,
          .number = number_,
          .keypad = from_keypad});
    if (!talking) return;
  }
  if (talking && !answered_) {
    answered_ = true;
    emit({.kind = DoorEvent::Kind::CallAnswered, .call = call_, .number = number_});
    return;
  }
  if (!calling && !talking) {
    in_call_ = false;
    emit({.kind = DoorEvent::Kind::CallEnded,
          .call = call_,
          .number = number_,
          .answered = answered_});
  }
}

void DoorEvents::on_door(hal::DoorState state) {
  emit({.kind = state == hal::DoorState::Open ? DoorEvent::Kind::DoorOpened
                                              : DoorEvent::Kind::DoorClosed});
}

void DoorEvents::on_unlock(const records::UnlockRecord& record) {
  DoorEvent e{.kind = DoorEvent::Kind::Unlock};
  e.unlock = record;
  emit(std::move(e));
}

void DoorEvents::on_alarm(const nlohmann::json& alarm) {
  const std::string state = alarm.value("state", "");
  if (state != "raised" && state != "ended") return;
  DoorEvent e{.kind =
                  state == "raised" ? DoorEvent::Kind::AlarmStarted : DoorEvent::Kind::AlarmEnded};
  e.alarm_type = alarm.value("type", "");
  e.alarm_id = alarm.value("alarm", std::int64_t{0});
  emit(std::move(e));
}

void DoorEvents::on_registration(bool ok) {
  emit({.kind = DoorEvent::Kind::Registration, .ok = ok});
}

}  // namespace vto::station
