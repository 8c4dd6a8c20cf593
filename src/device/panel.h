// Panel: the door panel state machine. It turns key presses into calls
// through CallControl, and call progress into display texts, tones and indicator lights
// (call lit while ringing, talk while talking, unlock while the lock is open). DTMF from the
// answering monitor opens the lock when it ends with the configured code. Cards, fingers
// and keypad passwords ('#' + password + '#') go to the Access (the access-control core),
// which decides and opens the lock; the panel shows its answer and cues the tone. Without
// an Access every credential is refused.
//
//   Idle --digit--> Dialling --call key--> Calling --answered--> Talking --BYE/limit--> Idle
//   Idle/Dialling --call button--> Calling;  any state --centre key--> Calling 888888
//
// Everything runs on the core thread and waits only on the injected core::Timers.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/timers.h"
#include "device/access.h"
#include "device/call_control.h"
#include "device/dtmf_entry.h"
#include "device/feedback.h"
#include "device/panel_config.h"
#include "hal/card_reader.h"
#include "hal/display.h"
#include "hal/fingerprint_reader.h"
#include "hal/indicators.h"
#include "hal/key_source.h"
#include "hal/listeners.h"
#include "hal/lock_relay.h"

namespace spdlog {
class logger;
}

namespace vto::device {

enum class PanelState { Idle, Dialling, Calling, Talking };

// "idle", "dialling", "calling", "talking".
std::string_view state_name(PanelState state);

// What the API shows of the panel.
struct PanelStatus {
  PanelState state = PanelState::Idle;
  std::string dialled;  // digits typed so far (Dialling)
  std::string number;   // the number being called or talked to (Calling, Talking)
  CallHandle call = kNoCall;

  bool operator==(const PanelStatus&) const = default;
};

// The devices the panel drives. Each must outlive the panel.
struct PanelDevices {
  std::vector<hal::KeySource*> key_sources;  // call buttons, keypad; no nullptr
  hal::LockRelay& lock;
  hal::Indicators* indicators = nullptr;          // nullptr: no indicator module
  hal::Display* display = nullptr;                // nullptr: no display module
  Feedback* feedback = nullptr;                   // nullptr: no tones
  hal::CardReader* card_reader = nullptr;         // nullptr: no card reader module
  hal::FingerprintReader* fingerprint = nullptr;  // nullptr: no fingerprint module
  Access* access = nullptr;  // nullptr: credentials refused; DTMF opens the lock directly
};

class Panel;
using PanelPtr = std::unique_ptr<Panel>;

class Panel {
 public:
  using StateListener = std::function<void(const PanelStatus&)>;

  // Fails with check_config()'s error. `calls` and `timers` must outlive the panel.
  static Result<PanelPtr> create(PanelConfig config, PanelDevices devices, CallControl& calls,
                                 core::Timers& timers);
  // Prefer create(); the config must pass check_config() (std::invalid_argument otherwise).
  Panel(PanelConfig config, PanelDevices devices, CallControl& calls, core::Timers& timers);
  ~Panel();
  Panel(const Panel&) = delete;
  Panel& operator=(const Panel&) = delete;

  const PanelStatus& state() const { return status_; }
  // Called after every change of state(), dialled digits included.
  hal::ListenerId add_state_listener(StateListener fn) { return listeners_.add(std::move(fn)); }
  void remove_state_listener(hal::ListenerId id) { listeners_.remove(id); }

  // Call progress from CallControl's implementation. Notifications for a call that is not
  // the current one (a call already hung up) are ignored.
  void on_ringing(CallHandle call);
  void on_answered(CallHandle call);
  void on_failed(CallHandle call, int status, std::string_view reason);
  void on_ended(CallHandle call);  // the remote side hung up (BYE)
  void on_dtmf(CallHandle call, std::string_view digits);

 private:
  using TimerSlot = std::optional<core::Timers::Id>;

  void on_key(const hal::KeyEvent& event);
  void on_digit(char digit);
  void on_delete();
  void on_call_key();
  void on_centre_key();
  void on_call_button(std::size_t button);
  void on_card(const std::string& number);
  void on_finger(const hal::FingerScan& scan);
  void submit_password(std::string code);
  void show_answer(const AccessAnswer& answer);

  void place_call(const std::string& number);
  void end_call();  // hangs up the current call, if any, and goes Idle
  bool is_current(CallHandle call) const;
  void go_idle();
  void show_message(std::string_view text, Tone tone);  // a failure text for message_time
  void set_state(PanelState state);
  void show_state();
  void show(std::vector<std::string> lines);
  void set_indicator(hal::Indicator indicator, bool lit);
  void cue(Tone tone);
  void start(TimerSlot& slot, core::Duration after, void (Panel::*fn)());
  void stop(TimerSlot& slot);

  void dial_pause_elapsed();
  void ring_timeout_elapsed();
  void talk_limit_elapsed();
  void message_elapsed();
  void on_unlock_entry(const std::string& entry);  // a whole entry of the monitor's code

  PanelConfig config_;
  PanelDevices devices_;
  CallControl& calls_;
  core::Timers& timers_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<std::pair<hal::KeySource*, hal::ListenerId>> key_listeners_;
  hal::ListenerId lock_listener_ = 0;
  hal::ListenerId card_listener_ = 0;
  hal::ListenerId finger_listener_ = 0;
  hal::Listeners<const PanelStatus&> listeners_;

  PanelStatus status_;
  bool pin_entry_ = false;  // '#' started a keypad password: digits go to pin_, hidden
  std::string pin_;
  bool showing_message_ = false;
  DtmfEntry dtmf_;  // the unlock code a monitor sends during the call
  TimerSlot dial_timer_;
  TimerSlot call_timer_;  // ring timeout while Calling, talk limit while Talking
  TimerSlot message_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for late Access answers
};

}  // namespace vto::device
