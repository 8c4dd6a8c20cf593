#include "access/access_control.h"

#include <sodium.h>

#include "core/log.h"
#include "hal/card_reader.h"

namespace vto::access {
namespace {

using device::AccessAnswer;
using std::chrono::seconds;

constexpr std::string_view kDoorOpen = "Door open";

Error invalid(const std::string& message) {
  return make_error(message, Errc::Invalid);
}

Result<void> in_range(const char* name, int value, int lo, int hi) {
  if (value < lo || value > hi) {
    return invalid(std::string(name) + ": " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return {};
}

std::string owner_text(const std::string& room, const std::string& person) {
  if (room.empty()) return person;
  if (person.empty()) return "room " + room;
  return person + " (room " + room + ")";
}

}  // namespace

Result<void> check_lock_settings(const LockSettings& s) {
  using L = LockSettings;
  for (auto r :
       {in_range("unlock_seconds", s.unlock_seconds, L::kMinUnlockSeconds, L::kMaxUnlockSeconds),
        in_range("interval_seconds", s.interval_seconds, 0, L::kMaxIntervalSeconds),
        in_range("held_open_seconds", s.held_open_seconds, L::kMinHeldOpenSeconds,
                 L::kMaxHeldOpenSeconds),
        in_range("keypad_max_failures", s.keypad_max_failures, L::kMinKeypadFailures,
                 L::kMaxKeypadFailures),
        in_range("keypad_lock_seconds", s.keypad_lock_seconds, L::kMinKeypadLockSeconds,
                 L::kMaxKeypadLockSeconds)}) {
    if (!r) return r;
  }
  return {};
}

std::string_view alarm_type_name(AlarmType type) {
  switch (type) {
    case AlarmType::Tamper:
      return "tamper";
    case AlarmType::ForcedOpen:
      return "forced_open";
    case AlarmType::HeldOpen:
      return "held_open";
    case AlarmType::Duress:
      return "duress";
    case AlarmType::KeypadLocked:
      return "keypad_locked";
    case AlarmType::RemoteUnlockLocked:
      return "remote_unlock_locked";
  }
  return "?";
}

AccessControl::AccessControl(Stores stores, core::Timers& timers, Clock clock, HashAsync hash_async,
                             AlarmSink* alarms, LockSettings settings)
    : stores_(stores),
      timers_(timers),
      clock_(std::move(clock)),
      hash_async_(std::move(hash_async)),
      alarms_(alarms),
      settings_(settings),
      log_(core::logger("access")),
      remote_failures_(
          core::FailurePolicy{kRemoteMaxFailures, kRemoteWindow, kRemoteLock, kRemoteLock, 1024}) {}

AccessControl::~AccessControl() {
  *alive_ = false;
  set_devices(nullptr, nullptr);
}

void AccessControl::set_devices(hal::LockRelay* lock, hal::DoorSensor* door) {
  if (held_timer_) timers_.cancel(*held_timer_);
  held_timer_.reset();
  if (lock_ != nullptr) lock_->remove_listener(lock_listener_);
  if (door_ != nullptr) door_->remove_listener(door_listener_);
  lock_ = lock;
  door_ = door;
  if (lock_ != nullptr) {
    lock_listener_ = lock_->add_listener([this](bool open) {
      if (!open) lock_closed_at_ = timers_.now();
    });
  }
  if (door_ != nullptr) {
    door_listener_ = door_->add_listener([this](hal::DoorState s) { on_door(s); });
    if (door_->state() == hal::DoorState::Open) on_door(hal::DoorState::Open);
  }
}

void AccessControl::set_settings(const LockSettings& settings) {
  settings_ = settings;
}

// --- decisions ---------------------------------------------------------------------------

AccessAnswer AccessControl::card(const std::string& number) {
  Attempt attempt{records::kByCard, records::masked_card(number), "", ""};
  auto found = stores_.cards.find(number);
  if (!found) {
    log_->error("card {}: {}", attempt.credential, found.error().message);
    return refuse(attempt, "credentials unavailable", "Card not valid");
  }
  if (!*found) return refuse(attempt, "unknown card", "Card not valid");
  const Card& c = **found;
  attempt.person = c.person;
  attempt.room = c.room;
  if (c.status == CardStatus::Lost) return refuse(attempt, "card lost", "Card not valid");
  if (c.status == CardStatus::Frozen) return refuse(attempt, "card frozen", "Card frozen");
  const std::int64_t now = clock_();
  if (c.valid_from_ms != 0 && now < c.valid_from_ms) {
    return refuse(attempt, "card not valid yet", "Card not valid yet");
  }
  if (c.valid_to_ms != 0 && now > c.valid_to_ms) {
    return refuse(attempt, "card expired", "Card expired");
  }
  return grant(attempt);
}

AccessAnswer AccessControl::finger(const hal::FingerScan& scan) {
  Attempt attempt{records::kByFingerprint, "", "", ""};
  if (!scan.match) {
    return refuse(attempt, "fingerprint not recognised", "Fingerprint not recognised");
  }
  auto found = stores_.fingerprints.find(*scan.match);
  if (!found || !*found) {
    attempt.credential = "fingerprint " + std::to_string(*scan.match);
    return refuse(attempt, "fingerprint no longer enrolled", "Fingerprint not recognised");
  }
  const Fingerprint& p = **found;
  attempt.credential = p.finger.empty() ? "fingerprint " + std::to_string(p.id) : p.finger;
  attempt.person = p.person;
  attempt.room = p.room;
  return grant(attempt);
}

void AccessControl::password(const std::string& code,
                             std::function<void(device::AccessAnswer)> done) {
  Attempt attempt{records::kByPassword, "", "", ""};
  if (int left = keypad_locked_seconds(); left > 0) {
    done(refuse(attempt, "keypad locked", "Keypad locked"));
    return;
  }
  if (!check_code(code)) {
    // Too short or too long for any password: wrong, without the cost of a hash.
    done(password_checked(std::string()));
    return;
  }
  const KeypadHasher& hasher = stores_.hasher;
  hash_async_([&hasher, code] { return hasher.hash(code); },
              [this, alive = std::weak_ptr<bool>(alive_), done = std::move(done)](std::string h) {
                if (alive.expired()) return;
                done(password_checked(h));
              });
}

AccessAnswer AccessControl::password_checked(const std::string& hash) {
  Attempt attempt{records::kByPassword, "", "", ""};
  if (int left = keypad_locked_seconds(); left > 0) {
    return refuse(attempt, "keypad locked", "Keypad locked");
  }
  std::optional<CodeOwner> owner;
  if (!hash.empty()) {
    auto found = stores_.codes.find(hash);
    if (!found) log_->error("keypad password: {}", found.error().message);
    if (found && *found) owner = **found;
  }
  if (!owner) {
    if (++keypad_failures_ >= settings_.keypad_max_failures) {
      keypad_failures_ = 0;
      keypad_locked_until_ = timers_.now() + seconds(settings_.keypad_lock_seconds);
      log_->warn("keypad locked for {} s after {} wrong passwords", settings_.keypad_lock_seconds,
                 settings_.keypad_max_failures);
      if (alarms_ != nullptr) {
        alarms_->raise(AlarmType::KeypadLocked, "keypad",
                       std::to_string(settings_.keypad_max_failures) +
                           " wrong passwords in a row; keypad locked for " +
                           std::to_string(settings_.keypad_lock_seconds) + " s");
      }
      return refuse(attempt, "wrong password; keypad locked", "Keypad locked");
    }
    return refuse(attempt, "wrong password", "Wrong password");
  }
  keypad_failures_ = 0;
  switch (owner->kind) {
    case CodeKind::Public:
      attempt.credential = "public password";
      break;
    case CodeKind::Room:
      attempt.credential = "room password";
      attempt.room = owner->room;
      break;
    case CodeKind::Duress:
      // Opens as usual: nothing at the door shows it; the centre gets the alarm.
      attempt.credential = "duress password";
      if (alarms_ != nullptr) {
        alarms_->raise(AlarmType::Duress, "keypad", "the duress password was used at the door");
      }
      break;
  }
  return grant(attempt);
}

AccessAnswer AccessControl::monitor_code(const std::string& device, std::uint64_t call,
                                         const std::string& entry) {
  const auto hash = device.find('#');
  const Attempt attempt{records::kByMonitor, device, "",
                        hash == std::string::npos ? std::string() : device.substr(0, hash)};
  const auto now = timers_.now();
  if (monitor_code_.empty()) return refuse(attempt, "remote unlock is off", "Remote unlock off");
  if (remote_failures_.blocked(device, now)) {
    return refuse(attempt, "remote unlock locked for this device", "Remote unlock locked");
  }
  int& wrong_in_call = call_failures_[call];
  if (wrong_in_call >= kCallMaxFailures) {
    return refuse(attempt, "too many wrong codes in this call", "Remote unlock refused");
  }
  const bool right = entry.size() == monitor_code_.size() &&
                     sodium_memcmp(entry.data(), monitor_code_.data(), entry.size()) == 0;
  if (right) return grant(attempt);
  ++wrong_in_call;
  if (auto lock = remote_failures_.failure(device, now)) {
    log_->warn("remote unlock locked for {} after {} wrong codes", device, kRemoteMaxFailures);
    if (alarms_ != nullptr) {
      alarms_->raise(
          AlarmType::RemoteUnlockLocked, device,
          std::to_string(kRemoteMaxFailures) +
              " wrong unlock codes within 10 minutes; remote unlock locked for " +
              std::to_string(std::chrono::duration_cast<std::chrono::minutes>(*lock).count()) +
              " min");
    }
    return refuse(attempt, "wrong code; remote unlock locked", "Remote unlock locked");
  }
  return refuse(attempt, "wrong code", "Wrong code");
}

void AccessControl::call_ended(std::uint64_t call) {
  call_failures_.erase(call);
}

std::vector<AccessControl::RemoteLock> AccessControl::remote_locks() const {
  std::vector<RemoteLock> out;
  for (const auto& [device, until] : remote_failures_.blocked_keys(timers_.now())) {
    out.push_back({device, static_cast<int>(std::chrono::ceil<seconds>(until).count())});
  }
  return out;
}

bool AccessControl::clear_remote_lock(const std::string& device) {
  const bool locked = remote_failures_.blocked(device, timers_.now()).has_value();
  remote_failures_.clear(device);
  return locked;
}

AccessAnswer AccessControl::exit_button() {
  return grant({records::kByExitButton, "", "", ""});
}

AccessAnswer AccessControl::remote(const std::string& who) {
  return grant({records::kByRemote, who, "", ""});
}

int AccessControl::keypad_locked_seconds() const {
  if (!keypad_locked_until_) return 0;
  const auto left = *keypad_locked_until_ - timers_.now();
  if (left <= core::Duration::zero()) return 0;
  return static_cast<int>(std::chrono::ceil<seconds>(left).count());
}

AccessAnswer AccessControl::grant(const Attempt& attempt) {
  if (lock_ == nullptr) return refuse(attempt, "no lock", "Door unavailable");
  const auto now = timers_.now();
  if (settings_.interval_seconds > 0 && last_unlock_ && !lock_->is_open() &&
      now - *last_unlock_ < seconds(settings_.interval_seconds)) {
    return refuse(attempt, "too soon after the last unlock", "Please wait");
  }
  last_unlock_ = now;
  lock_->open_for(seconds(settings_.unlock_seconds));
  log_->info("door opened: {}{}{}", attempt.method,
             attempt.credential.empty() ? "" : " " + attempt.credential,
             attempt.room.empty() && attempt.person.empty()
                 ? ""
                 : ", " + owner_text(attempt.room, attempt.person));
  record(attempt, records::kGranted, "");
  if (unlocked_) unlocked_();
  return {true, std::string(kDoorOpen)};
}

AccessAnswer AccessControl::refuse(const Attempt& attempt, const std::string& reason,
                                   const std::string& text) {
  log_->info("refused: {}{}: {}", attempt.method,
             attempt.credential.empty() ? "" : " " + attempt.credential, reason);
  record(attempt, records::kRefused, reason);
  return {false, text};
}

void AccessControl::record(const Attempt& a, std::string_view result, const std::string& reason) {
  records::UnlockRecord r{0,        clock_(), std::string(a.method), a.credential,
                          a.person, a.room,   std::string(result),   reason};
  if (recorded_) recorded_(r);
  stores_.records.add(std::move(r));
}

// --- door sensor -------------------------------------------------------------------------

void AccessControl::on_door(hal::DoorState state) {
  if (!settings_.door_sensor) return;
  if (state == hal::DoorState::Closed) {
    if (held_timer_) timers_.cancel(*held_timer_);
    held_timer_.reset();
    if (held_alarm_ && alarms_ != nullptr) alarms_->end(*held_alarm_);
    held_alarm_.reset();
    if (forced_alarm_ && alarms_ != nullptr) alarms_->end(*forced_alarm_);
    forced_alarm_.reset();
    return;
  }
  // Opened: allowed while the lock is released, or a moment after it closed again.
  constexpr auto kGrace = std::chrono::seconds(1);
  const bool released = (lock_ != nullptr && lock_->is_open()) ||
                        (lock_closed_at_ && timers_.now() - *lock_closed_at_ <= kGrace);
  if (!released) {
    log_->warn("door forced open");
    if (alarms_ != nullptr) {
      forced_alarm_ =
          alarms_->raise(AlarmType::ForcedOpen, "door sensor", "the door opened while locked");
    }
  }
  if (held_timer_) timers_.cancel(*held_timer_);
  held_timer_ = timers_.start(seconds(settings_.held_open_seconds), [this] {
    held_timer_.reset();
    held_open_elapsed();
  });
}

void AccessControl::held_open_elapsed() {
  log_->warn("door held open longer than {} s", settings_.held_open_seconds);
  if (alarms_ != nullptr) {
    held_alarm_ = alarms_->raise(
        AlarmType::HeldOpen, "door sensor",
        "the door stayed open longer than " + std::to_string(settings_.held_open_seconds) + " s");
  }
}

}  // namespace vto::access
