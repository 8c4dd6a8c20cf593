#include "device/panel.h"

#include <cctype>
#include <stdexcept>

#include "core/log.h"

namespace vto::device {
namespace {

// A card number for the log: all but the last four digits hidden.
std::string masked(const std::string& number) {
  const std::size_t shown = number.size() < 4 ? number.size() : 4;
  return std::string(number.size() - shown, '*') + number.substr(number.size() - shown);
}

std::string callee_name(const std::string& number) {
  return number == kCentreNumber ? std::string("centre") : number;
}

}  // namespace

std::string_view state_name(PanelState state) {
  switch (state) {
    case PanelState::Idle:
      return "idle";
    case PanelState::Dialling:
      return "dialling";
    case PanelState::Calling:
      return "calling";
    case PanelState::Talking:
      return "talking";
  }
  return "?";
}

Result<PanelPtr> Panel::create(PanelConfig config, PanelDevices devices, CallControl& calls,
                               core::Timers& timers) {
  if (auto ok = check_config(config); !ok) return ok.error();
  return std::make_unique<Panel>(std::move(config), std::move(devices), calls, timers);
}

Panel::Panel(PanelConfig config, PanelDevices devices, CallControl& calls, core::Timers& timers)
    : config_(std::move(config)),
      devices_(std::move(devices)),
      calls_(calls),
      timers_(timers),
      log_(core::logger("panel")),
      dtmf_(timers, config_.dtmf_pause,
            [this](const std::string& entry) { on_unlock_entry(entry); }) {
  if (auto ok = check_config(config_); !ok) throw std::invalid_argument(ok.error().message);
  for (hal::KeySource* source : devices_.key_sources) {
    if (source == nullptr) throw std::invalid_argument("Panel: a key source is nullptr");
    const auto id = source->add_key_listener([this](const hal::KeyEvent& e) { on_key(e); });
    key_listeners_.emplace_back(source, id);
  }
  lock_listener_ = devices_.lock.add_listener(
      [this](bool open) { set_indicator(hal::Indicator::Unlock, open); });
  set_indicator(hal::Indicator::Unlock, devices_.lock.is_open());
  if (devices_.card_reader != nullptr) {
    card_listener_ =
        devices_.card_reader->add_listener([this](const std::string& n) { on_card(n); });
  }
  if (devices_.fingerprint != nullptr) {
    finger_listener_ =
        devices_.fingerprint->add_listener([this](const hal::FingerScan& s) { on_finger(s); });
  }
  set_indicator(hal::Indicator::Call, false);
  set_indicator(hal::Indicator::Talk, false);
  show_state();
  log_->debug("panel: {} mapped buttons, remote unlock by DTMF {}", config_.buttons.size(),
              config_.unlock_code.empty() ? "off" : "on");
}

Panel::~Panel() {
  *alive_ = false;
  for (auto& [source, id] : key_listeners_) source->remove_key_listener(id);
  devices_.lock.remove_listener(lock_listener_);
  if (devices_.card_reader != nullptr) devices_.card_reader->remove_listener(card_listener_);
  if (devices_.fingerprint != nullptr) devices_.fingerprint->remove_listener(finger_listener_);
  for (TimerSlot* slot : {&dial_timer_, &call_timer_, &message_timer_}) stop(*slot);
}

// --- keys --------------------------------------------------------------------------------

void Panel::on_key(const hal::KeyEvent& event) {
  if (event.action != hal::KeyAction::Pressed) return;
  if (showing_message_) message_elapsed();  // any key dismisses a failure text
  using hal::Key;
  switch (event.key) {
    case Key::Digit0:
    case Key::Digit1:
    case Key::Digit2:
    case Key::Digit3:
    case Key::Digit4:
    case Key::Digit5:
    case Key::Digit6:
    case Key::Digit7:
    case Key::Digit8:
    case Key::Digit9:
      on_digit(
          static_cast<char>('0' + (static_cast<int>(event.key) - static_cast<int>(Key::Digit0))));
      break;
    case Key::Star:
    case Key::Prev:
      on_delete();
      break;
    case Key::Hash:
      // '#' + password + '#' unlocks: those digits stay off the display (shown as '*')
      // and out of the dialled number.
      if (status_.state == PanelState::Calling || status_.state == PanelState::Talking) break;
      cue(Tone::KeyClick);
      if (!pin_entry_) {
        if (status_.state == PanelState::Dialling) go_idle();
        pin_entry_ = true;
        pin_.clear();
        start(dial_timer_, config_.dial_pause, &Panel::dial_pause_elapsed);
        show_state();
      } else {
        stop(dial_timer_);
        pin_entry_ = false;
        submit_password(std::exchange(pin_, std::string()));
      }
      break;
    case Key::Call:
      on_call_key();
      break;
    case Key::Centre:
      on_centre_key();
      break;
    case Key::CallButton:
      on_call_button(event.button);
      break;
    case Key::Next:
      break;  // directory browsing belongs to the display module's directory (later)
  }
}

void Panel::on_digit(char digit) {
  if (status_.state == PanelState::Calling || status_.state == PanelState::Talking) return;
  start(dial_timer_, config_.dial_pause, &Panel::dial_pause_elapsed);
  if (pin_entry_) {
    // Longer than any password: kept short so that nobody can type forever.
    if (pin_.size() >= 12) {
      cue(Tone::Error);
      return;
    }
    pin_ += digit;
    cue(Tone::KeyClick);
    show_state();
    return;
  }
  if (status_.dialled.size() >= config_.max_dialled) {
    cue(Tone::Error);
    return;
  }
  status_.dialled += digit;
  cue(Tone::KeyClick);
  set_state(PanelState::Dialling);
}

void Panel::on_delete() {
  if (pin_entry_) {
    if (!pin_.empty()) pin_.pop_back();
    cue(Tone::KeyClick);
    start(dial_timer_, config_.dial_pause, &Panel::dial_pause_elapsed);
    show_state();
    return;
  }
  if (status_.state != PanelState::Dialling) return;
  status_.dialled.pop_back();
  cue(Tone::KeyClick);
  if (status_.dialled.empty()) {
    go_idle();
    return;
  }
  start(dial_timer_, config_.dial_pause, &Panel::dial_pause_elapsed);
  set_state(PanelState::Dialling);
}

void Panel::on_call_key() {
  if (status_.state == PanelState::Dialling) {
    place_call(std::string(status_.dialled));
  } else if (status_.state == PanelState::Idle) {
    cue(Tone::Error);
  }
}

void Panel::on_centre_key() {
  // Emergency call: the centre goes first, whatever is going on. A second
  // press while the centre is already called must not restart that call.
  if (status_.number == kCentreNumber) return;
  log_->warn("panel: call-centre key, calling {}", kCentreNumber);
  end_call();
  place_call(std::string(kCentreNumber));
}

void Panel::on_call_button(std::size_t button) {
  if (status_.state == PanelState::Calling || status_.state == PanelState::Talking) {
    log_->debug("panel: call button {} ignored while {}", button + 1, state_name(status_.state));
    return;
  }
  const auto it = config_.buttons.find(button);
  if (it == config_.buttons.end()) {
    log_->info("panel: call button {} is not mapped", button + 1);
    cue(Tone::Error);
    return;
  }
  place_call(it->second);
}

// --- cards and fingers ---------------------------------------------------------------------

void Panel::on_card(const std::string& number) {
  if (showing_message_) message_elapsed();
  if (devices_.access != nullptr) {
    show_answer(devices_.access->card(number));
    return;
  }
  log_->info("panel: card {} refused: no access control", masked(number));
  show_message("Card not valid", Tone::Error);
}

void Panel::on_finger(const hal::FingerScan& scan) {
  if (showing_message_) message_elapsed();
  if (devices_.access != nullptr) {
    show_answer(devices_.access->finger(scan));
    return;
  }
  log_->info("panel: fingerprint refused: no access control");
  show_message(scan.match ? "Fingerprint not valid" : "Fingerprint not recognised", Tone::Error);
}

void Panel::submit_password(std::string code) {
  show_state();
  if (devices_.access == nullptr) {
    show_message("Wrong password", Tone::Error);
    return;
  }
  devices_.access->password(code, [this, alive = std::weak_ptr<bool>(alive_)](AccessAnswer a) {
    if (!alive.expired()) show_answer(a);
  });
}

void Panel::show_answer(const AccessAnswer& answer) {
  if (showing_message_) message_elapsed();
  show_message(answer.text, answer.granted ? Tone::Unlock : Tone::Error);
}

// --- calls -------------------------------------------------------------------------------

void Panel::place_call(const std::string& number) {
  stop(dial_timer_);
  pin_entry_ = false;
  pin_.clear();
  status_.dialled.clear();
  dtmf_.clear();
  const CallHandle call = calls_.place(number);
  if (call == kNoCall) {
    log_->warn("panel: call to {} could not be started", number);
    go_idle();
    show_message("Call failed", Tone::Error);
    return;
  }
  log_->info("panel: calling {} (call {})", number, call);
  status_.call = call;
  status_.number = number;
  start(call_timer_, config_.ring_timeout, &Panel::ring_timeout_elapsed);
  set_state(PanelState::Calling);
}

void Panel::end_call() {
  const CallHandle call = status_.call;
  // Idle first: whatever hang_up() reports back about the old call is then ignored.
  if (status_.state != PanelState::Idle) go_idle();
  if (call != kNoCall) calls_.hang_up(call);
}

bool Panel::is_current(CallHandle call) const {
  return call != kNoCall && call == status_.call;
}

void Panel::on_ringing(CallHandle call) {
  if (!is_current(call) || status_.state != PanelState::Calling) return;
  cue(Tone::Ringback);
}

void Panel::on_answered(CallHandle call) {
  if (!is_current(call) || status_.state != PanelState::Calling) return;
  log_->info("panel: {} answered (call {})", status_.number, call);
  dtmf_.clear();
  start(call_timer_, config_.talk_limit, &Panel::talk_limit_elapsed);
  set_state(PanelState::Talking);
}

void Panel::on_failed(CallHandle call, int status, std::string_view reason) {
  if (!is_current(call)) return;
  log_->info("panel: call {} to {} failed: {} {}", call, status_.number, status, reason);
  go_idle();
  show_message(failure_text(status), status == 486 || status == 600 ? Tone::Busy : Tone::Error);
}

void Panel::on_ended(CallHandle call) {
  if (!is_current(call)) return;
  log_->info("panel: {} hung up (call {})", status_.number, call);
  go_idle();
}

void Panel::on_dtmf(CallHandle call, std::string_view digits) {
  if (!is_current(call) || status_.state != PanelState::Talking) return;
  if (config_.unlock_code.empty()) {
    log_->debug("panel: DTMF from call {} ignored: remote unlock by DTMF is off", call);
    return;
  }
  for (char c : digits) dtmf_.key(c);
}

void Panel::on_unlock_entry(const std::string& entry) {
  if (status_.state != PanelState::Talking) return;
  const CallHandle call = status_.call;
  if (devices_.access != nullptr) {
    const AccessAnswer answer = devices_.access->monitor_code(status_.number, call, entry);
    log_->info("panel: unlock code from {} (call {}): {}", status_.number, call,
               answer.granted ? "door open" : answer.text);
    if (answer.granted) cue(Tone::Unlock);
    return;
  }
  // No access control (a bare panel): the code alone decides.
  if (entry != config_.unlock_code) return;
  log_->info("panel: remote unlock by DTMF from {} (call {})", status_.number, call);
  devices_.lock.open_for(config_.unlock_hold);
  cue(Tone::Unlock);
}

// --- timers ------------------------------------------------------------------------------

void Panel::dial_pause_elapsed() {
  const bool was_pin = pin_entry_;
  pin_entry_ = false;
  pin_.clear();
  if (status_.state == PanelState::Dialling) {
    go_idle();
  } else if (was_pin && !showing_message_) {
    show_state();
  }
}

void Panel::ring_timeout_elapsed() {
  log_->info("panel: no answer from {} (call {})", status_.number, status_.call);
  end_call();
  show_message("No answer", Tone::Error);
}

void Panel::talk_limit_elapsed() {
  log_->info("panel: talk limit reached with {} (call {})", status_.number, status_.call);
  end_call();
}

void Panel::message_elapsed() {
  stop(message_timer_);
  showing_message_ = false;
  show_state();
}

void Panel::start(TimerSlot& slot, core::Duration after, void (Panel::*fn)()) {
  stop(slot);
  slot = timers_.start(after, [this, &slot, fn] {
    slot.reset();
    (this->*fn)();
  });
}

void Panel::stop(TimerSlot& slot) {
  if (slot) timers_.cancel(*slot);
  slot.reset();
}

// --- outputs -----------------------------------------------------------------------------

void Panel::go_idle() {
  stop(dial_timer_);
  stop(call_timer_);
  dtmf_.clear();
  if (status_.call != kNoCall && devices_.access != nullptr)
    devices_.access->call_ended(status_.call);
  status_ = PanelStatus{};
  set_state(PanelState::Idle);
}

void Panel::set_state(PanelState state) {
  status_.state = state;
  set_indicator(hal::Indicator::Call, state == PanelState::Calling);
  set_indicator(hal::Indicator::Talk, state == PanelState::Talking);
  if (!showing_message_) show_state();
  listeners_.emit(status_);
}

void Panel::show_state() {
  switch (status_.state) {
    case PanelState::Idle:
      show({pin_entry_ ? "Password: " + std::string(pin_.size(), '*') : config_.idle_text});
      break;
    case PanelState::Dialling:
      show({"Room: " + status_.dialled});
      break;
    case PanelState::Calling:
      show({"Calling " + callee_name(status_.number)});
      break;
    case PanelState::Talking:
      show({"Talking to " + callee_name(status_.number)});
      break;
  }
}

void Panel::show_message(std::string_view text, Tone tone) {
  showing_message_ = true;
  show({std::string(text)});
  start(message_timer_, config_.message_time, &Panel::message_elapsed);
  cue(tone);
}

void Panel::show(std::vector<std::string> lines) {
  if (devices_.display != nullptr) devices_.display->show(std::move(lines));
}

void Panel::set_indicator(hal::Indicator indicator, bool lit) {
  if (devices_.indicators != nullptr) devices_.indicators->set(indicator, lit);
}

void Panel::cue(Tone tone) {
  if (devices_.feedback != nullptr) devices_.feedback->tone(tone);
}

}  // namespace vto::device
