#include "hal/linux/linux_board.h"

#include <linux/input-event-codes.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <utility>

#include "core/log.h"
#include "hal/linux/gpio_output.h"
#include "hal/linux/hid_card.h"
#include "hal/linux/input_devices.h"
#include "hal/linux/screen.h"
#include "hal/linux/wiegand_reader.h"
#include "hal/sim/sim_door_sensor.h"
#include "hal/sim/sim_exit_button.h"
#include "hal/sim/sim_module_bus.h"
#include "hal/sim/sim_panel.h"
#include "hal/sim/sim_tamper_switch.h"

namespace vto::hal::linux_board {

struct LinuxBoard::Hardware {
  Hardware(boost::asio::io_context& i, core::Timers& t, BoardFile f)
      : io(i), timers(t), file(std::move(f)) {}
  boost::asio::io_context& io;
  core::Timers& timers;
  BoardFile file;
  // Destroyed in reverse order: the Wiegand thread and the input devices first, the lock
  // line last (driven locked before it is let go).
  BinaryOutputPtr lock;
  // One relay for every facade layout: a layout change never moves the lock.
  std::unique_ptr<TimedLockRelay> relay;
  BinaryOutputPtr call_light, talk_light, unlock_light, sounder;
  std::unique_ptr<ScreenDisplay> display;  // the board file's, if it has one
  std::unique_ptr<InputDevices> inputs;
  Listeners<const std::string&> wiegand_cards;
  std::unique_ptr<WiegandReader> wiegand;
};

namespace {

std::shared_ptr<spdlog::logger> log() {
  return core::logger("hal");
}

class LinuxCallButtons final : public CallButtons {
 public:
  explicit LinuxCallButtons(std::size_t count) : count_(count) {}
  CallButtonsTraits traits() const override { return {count_}; }
  ListenerId add_key_listener(KeyListener fn) override { return listeners_.add(std::move(fn)); }
  void remove_key_listener(ListenerId id) override { listeners_.remove(id); }
  void emit(const KeyEvent& e) { listeners_.emit(e); }

 private:
  std::size_t count_;
  Listeners<const KeyEvent&> listeners_;
};

class LinuxKeypad final : public hal::Keypad {
 public:
  ListenerId add_key_listener(KeyListener fn) override { return listeners_.add(std::move(fn)); }
  void remove_key_listener(ListenerId id) override { listeners_.remove(id); }
  void emit(const KeyEvent& e) { listeners_.emit(e); }

 private:
  Listeners<const KeyEvent&> listeners_;
};

// The lights the board file wires; a light it does not wire is only remembered.
class LinuxIndicators final : public Indicators {
 public:
  explicit LinuxIndicators(std::array<BinaryOutput*, 3> outputs) : outputs_(outputs) {}
  void set(Indicator indicator, bool lit) override {
    const auto i = static_cast<std::size_t>(indicator);
    lit_[i] = lit;
    if (outputs_[i]) outputs_[i]->write(lit);
  }
  bool get(Indicator indicator) const override { return lit_[static_cast<std::size_t>(indicator)]; }

 private:
  std::array<BinaryOutput*, 3> outputs_;
  std::array<bool, 3> lit_{};
};

class LinuxCardReader final : public hal::CardReader {
 public:
  ListenerId add_listener(Listener fn) override { return listeners_.add(std::move(fn)); }
  void remove_listener(ListenerId id) override { listeners_.remove(id); }
  void emit(const std::string& card) { listeners_.emit(card); }

 private:
  Listeners<const std::string&> listeners_;
};

// Whether `e` is input `k` turned on (true) or off (false); nothing for other events and
// for a key held down (repeats).
std::optional<bool> input_state(const InputKey& k, const InputEvent& e) {
  if (e.code != k.code || e.type != (k.is_switch ? EV_SW : EV_KEY) || e.value == 2)
    return std::nullopt;
  return e.value != 0;
}

bool has(const std::vector<ModuleSlot>& layout, ModuleKind kind) {
  for (const ModuleSlot& m : layout) {
    if (m.kind == kind) return true;
  }
  return false;
}

// The modules of one facade layout, on the board's hardware.
class LinuxPanel final : public DoorModules {
 public:
  LinuxPanel(LinuxBoard::Hardware& hw, const std::vector<ModuleSlot>& layout);
  ~LinuxPanel() override {
    watches_.clear();
    if (wiegand_listener_) hw_.wiegand_cards.remove(*wiegand_listener_);
  }

  CallButtons& call_buttons() override { return buttons_; }
  hal::Keypad* keypad() override { return keypad_ ? &*keypad_ : nullptr; }
  Indicators* indicators() override { return indicators_ ? &*indicators_ : nullptr; }
  Display* display() override {
    return has(layout_, ModuleKind::Display) ? hw_.display.get() : nullptr;
  }
  hal::CardReader* card_reader() override { return card_reader_ ? &*card_reader_ : nullptr; }
  // The fingerprint module's reader is vtod's --fingerprint (libfprint), not the board's.
  FingerprintReader* fingerprint_reader() override { return nullptr; }
  TimedLockRelay& lock() override { return *hw_.relay; }
  DoorSensor& door_sensor() override { return door_; }
  ExitButton& exit_button() override { return exit_; }
  TamperSwitch& tamper_switch() override { return tamper_; }
  ModuleBus& module_bus() override { return bus_; }
  BinaryOutput* sounder() override { return hw_.sounder.get(); }

 private:
  void watch(const std::string& device, std::function<void(const InputEvent&)> on_event);
  void refresh_presence();
  void set_door(bool open) { door_.set_state(open ? DoorState::Open : DoorState::Closed); }
  void set_tamper(bool detached) {
    tamper_.set_state(detached ? TamperState::Detached : TamperState::Attached);
  }
  // Reads the door and tamper switches' states (at start, and when a device is found).
  void read_switches();

  LinuxBoard::Hardware& hw_;
  std::vector<ModuleSlot> layout_;
  // The simulated board's state holders are plain devices whose state is set from outside:
  // here evdev sets them.
  sim::SimModuleBus bus_;
  LinuxCallButtons buttons_;
  std::optional<LinuxKeypad> keypad_;
  std::optional<LinuxIndicators> indicators_;
  std::optional<LinuxCardReader> card_reader_;
  HidCardKeys hid_keys_;
  std::optional<ListenerId> wiegand_listener_;
  sim::SimDoorSensor door_;
  sim::SimExitButton exit_;
  sim::SimTamperSwitch tamper_;
  std::vector<std::unique_ptr<InputDevices::Watch>> watches_;
};

std::vector<ModuleStatus> layout_statuses(const std::vector<ModuleSlot>& layout) {
  std::vector<ModuleStatus> modules{{0, ModuleKind::Camera, Presence::Found}};
  for (const ModuleSlot& m : layout) modules.push_back({modules.size(), m.kind, Presence::Missing});
  return modules;
}

std::size_t button_count(const std::vector<ModuleSlot>& layout) {
  std::size_t n = 0;
  for (const ModuleSlot& m : layout) n += m.buttons;
  return n;
}

LinuxPanel::LinuxPanel(LinuxBoard::Hardware& hw, const std::vector<ModuleSlot>& layout)
    : hw_(hw), layout_(layout), bus_(layout_statuses(layout)), buttons_(button_count(layout)) {
  const BoardFile& f = hw.file;
  // Call buttons: as many as the layout has, each the key the board file gives it.
  for (std::size_t i = 0; i < f.call_buttons.size() && i < buttons_.traits().count; ++i) {
    const InputKey k = f.call_buttons[i];
    watch(k.device, [this, k, i](const InputEvent& e) {
      if (auto on = input_state(k, e))
        buttons_.emit({Key::CallButton, *on ? KeyAction::Pressed : KeyAction::Released, i});
    });
  }
  if (has(layout, ModuleKind::Keypad) && f.keypad) {
    keypad_.emplace();
    const auto keys = f.keypad->keys;
    watch(f.keypad->device, [this, keys](const InputEvent& e) {
      if (e.type != EV_KEY || e.value == 2) return;
      auto it = keys.find(e.code);
      if (it == keys.end()) return;
      keypad_->emit({it->second, e.value ? KeyAction::Pressed : KeyAction::Released, 0});
    });
  }
  if (has(layout, ModuleKind::Indicators)) {
    indicators_.emplace(std::array<BinaryOutput*, 3>{hw.call_light.get(), hw.talk_light.get(),
                                                     hw.unlock_light.get()});
  }
  if (has(layout, ModuleKind::CardReader) && f.card_reader) {
    card_reader_.emplace();
    if (f.card_reader->kind == "hid") {
      watch(f.card_reader->device, [this](const InputEvent& e) {
        if (e.type != EV_KEY || e.value != 1) return;
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            hw_.timers.now().time_since_epoch())
                            .count();
        auto card = hid_keys_.key(e.code, ms);
        if (!card) return;
        if (*card) {
          card_reader_->emit(**card);
        } else {
          log()->warn("card reader: what it typed is no card number: {}", card->error().message);
        }
      });
    } else if (hw.wiegand) {
      wiegand_listener_ =
          hw.wiegand_cards.add([this](const std::string& card) { card_reader_->emit(card); });
    }
  }
  if (f.exit_button) {
    const InputKey k = *f.exit_button;
    watch(k.device, [this, k](const InputEvent& e) {
      if (input_state(k, e) == true) exit_.press();
    });
  }
  if (f.door_sensor) {
    const InputKey k = *f.door_sensor;
    watch(k.device, [this, k](const InputEvent& e) {
      if (auto on = input_state(k, e)) set_door(*on == k.on_means_open);
    });
  }
  if (f.tamper) {
    const InputKey k = *f.tamper;
    watch(k.device, [this, k](const InputEvent& e) {
      if (auto on = input_state(k, e)) set_tamper(*on == k.on_means_open);
    });
  }
  read_switches();
  refresh_presence();
}

void LinuxPanel::watch(const std::string& device, std::function<void(const InputEvent&)> on_event) {
  watches_.push_back(hw_.inputs->watch(device, {std::move(on_event), [this](bool) {
                                                  refresh_presence();
                                                  read_switches();  // one may have moved while away
                                                }}));
}

void LinuxPanel::read_switches() {
  const BoardFile& f = hw_.file;
  const auto now = [this](const InputKey& k) -> std::optional<bool> {
    if (!k.is_switch) return std::nullopt;
    auto on = hw_.inputs->switch_on(k.device, k.code);
    if (!on) return std::nullopt;
    return *on == k.on_means_open;
  };
  if (f.door_sensor) {
    if (auto open = now(*f.door_sensor)) set_door(*open);
  }
  if (f.tamper) {
    if (auto detached = now(*f.tamper)) set_tamper(*detached);
  }
}

void LinuxPanel::refresh_presence() {
  const BoardFile& f = hw_.file;
  InputDevices& in = *hw_.inputs;
  std::size_t first_button = 0;
  for (std::size_t i = 0; i < layout_.size(); ++i) {
    const ModuleSlot& m = layout_[i];
    bool found = true;
    switch (m.kind) {
      case ModuleKind::Buttons:
        for (std::size_t b = first_button; b < first_button + m.buttons; ++b) {
          found = found && b < f.call_buttons.size() && in.present(f.call_buttons[b].device);
        }
        first_button += m.buttons;
        break;
      case ModuleKind::Keypad:
        found = f.keypad && in.present(f.keypad->device);
        break;
      case ModuleKind::CardReader:
        found = f.card_reader && (f.card_reader->kind == "hid" ? in.present(f.card_reader->device)
                                                               : hw_.wiegand != nullptr);
        break;
      case ModuleKind::Indicators:
        found = hw_.call_light || hw_.talk_light || hw_.unlock_light;
        break;
      case ModuleKind::Display:
        found = hw_.display != nullptr;
        break;
      default:
        break;
    }
    const Presence presence = found ? Presence::Found : Presence::Missing;
    if (bus_.presence(i + 1) != presence) {
      log()->info("{} module (position {}) {}", module_kind_name(m.kind), i + 1,
                  presence_name(presence));
    }
    (void)bus_.set_presence(i + 1, presence);
  }
}

}  // namespace

LinuxBoard::LinuxBoard(std::unique_ptr<Hardware> hw, MediaDevices media)
    : hw_(std::move(hw)), media_(std::move(media)) {}

LinuxBoard::~LinuxBoard() {
  // Nothing heard any more, then every output idle before it is let go: the lock locked
  // (whatever the relay type), the lights and the sounder off.
  hw_->wiegand.reset();
  hw_->inputs.reset();
  hw_->relay->write_locked();
  for (BinaryOutputPtr* out :
       {&hw_->call_light, &hw_->talk_light, &hw_->unlock_light, &hw_->sounder}) {
    if (*out) (*out)->write(false);
  }
}

Result<std::unique_ptr<LinuxBoard>> LinuxBoard::open(boost::asio::io_context& io,
                                                     core::Timers& timers, BoardFile file,
                                                     MediaDevices media, bool normally_closed) {
  auto hw = std::make_unique<Hardware>(io, timers, std::move(file));
  const BoardFile& f = hw->file;
  // The lock first: until this line is held and driven locked, nothing else is touched.
  // Locked is off for a normally open relay, on for a normally closed one.
  auto lock = open_gpio_output(f.lock, normally_closed);
  if (!lock) return make_error("lock: " + lock.error().message, 2);
  hw->lock = std::move(*lock);
  hw->relay = std::make_unique<TimedLockRelay>(timers, *hw->lock, normally_closed);
  for (auto [key, where, out] : {std::tuple{"lights.call", &f.call_light, &hw->call_light},
                                 std::tuple{"lights.talk", &f.talk_light, &hw->talk_light},
                                 std::tuple{"lights.unlock", &f.unlock_light, &hw->unlock_light},
                                 std::tuple{"sounder", &f.sounder, &hw->sounder}}) {
    if (!*where) continue;
    auto o = (*where)->led.empty() ? open_gpio_output(**where)
                                   : open_led_output("/sys/class/leds/" + (*where)->led);
    if (!o) return make_error(std::string(key) + ": " + o.error().message, 2);
    *out = std::move(*o);
  }
  if (!f.display.empty()) {
    auto surface = open_surface(f.display);
    if (!surface) return make_error("display: " + surface.error().message, 2);
    auto display = ScreenDisplay::open(std::move(*surface), DisplayTraits{});
    if (!display) return make_error("display: " + display.error().message, 2);
    hw->display = std::move(*display);
  }
  hw->inputs = std::make_unique<InputDevices>(io);
  if (f.card_reader && f.card_reader->kind == "wiegand") {
    Hardware* h = hw.get();
    auto reader = WiegandReader::open(
        io, *f.card_reader->d0, *f.card_reader->d1, [h](const Result<std::string>& card) {
          if (card) {
            h->wiegand_cards.emit(*card);
          } else {
            log()->warn("Wiegand reader: a frame that is no card: {}", card.error().message);
          }
        });
    if (!reader) return make_error("card_reader: " + reader.error().message, 2);
    hw->wiegand = std::move(*reader);
  }
  // The door's media: the board file's, where the command line keeps its defaults.
  if (!f.camera.empty() && media.camera.kind == CameraSource::Kind::TestPattern)
    media.camera = {CameraSource::Kind::V4l2, f.camera};
  if (!f.microphone.empty() && media.microphone.kind == MicrophoneSource::Kind::Tone)
    media.microphone = {MicrophoneSource::Kind::Alsa, 0, "", f.microphone};
  if (!f.speaker.empty() && media.speaker.kind == SpeakerSink::Kind::Null)
    media.speaker = {SpeakerSink::Kind::Alsa, f.speaker};
  log()->info("board \"{}\": lock on {}", f.name, describe(f.lock));
  return std::unique_ptr<LinuxBoard>(new LinuxBoard(std::move(hw), std::move(media)));
}

std::string LinuxBoard::description() const {
  return "OpenVTO modular door station (" +
         (hw_->file.name.empty() ? std::string("Linux board") : hw_->file.name) + ")";
}

Result<std::unique_ptr<DoorModules>> LinuxBoard::modules(const std::vector<ModuleSlot>& layout) {
  sim::SimPanelConfig check;
  for (const ModuleSlot& m : layout) check.modules.push_back({m.kind, m.buttons});
  if (auto r = sim::check_config(check); !r) return r.error();
  return std::unique_ptr<DoorModules>(std::make_unique<LinuxPanel>(*hw_, layout));
}

}  // namespace vto::hal::linux_board
