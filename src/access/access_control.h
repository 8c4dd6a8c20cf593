// AccessControl: the decisions of access control (docs/api.md, "Access control"). A card, finger or
// keypad password is looked up in the credentials, checked (status, validity), and either
// opens the lock for the unlock duration or is refused with its reason; the exit button,
// the API and a monitor's unlock code open it too. Every attempt becomes an unlock record.
// The lock settings apply to all of them: the relay type, the unlock duration and the
// minimum interval between unlocks. The keypad locks for a while after too many wrong
// passwords (an alarm), the duress password opens as usual and raises a silent alarm, and
// the door sensor raises "forced open" and "held open" alarms.
//
// Everything runs on the core thread. Keypad passwords are hashed through `hash_async`
// (a worker thread in vtod), whose answer comes back on the core thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "access/credentials.h"
#include "access/keypad_hash.h"
#include "core/failure_limiter.h"
#include "core/result.h"
#include "core/timers.h"
#include "device/access.h"
#include "hal/door_sensor.h"
#include "hal/lock_relay.h"
#include "records/unlock_records.h"

namespace spdlog {
class logger;
}

namespace vto::access {

struct LockSettings {
  static constexpr int kMinUnlockSeconds = 1, kMaxUnlockSeconds = 60;
  static constexpr int kMaxIntervalSeconds = 60;
  static constexpr int kMinHeldOpenSeconds = 5, kMaxHeldOpenSeconds = 900;
  static constexpr int kMinKeypadFailures = 3, kMaxKeypadFailures = 10;
  static constexpr int kMinKeypadLockSeconds = 10, kMaxKeypadLockSeconds = 3600;

  bool normally_closed = false;  // relay type: NC (the line is on while the door is locked)
  int unlock_seconds = 5;        // how long the lock stays open
  int interval_seconds = 0;      // at least this long between two unlocks (0: no limit)
  bool door_sensor = true;       // a door contact is wired: forced / held-open alarms
  int held_open_seconds = 60;    // open longer than this: "held open"
  int keypad_max_failures = 5;   // wrong passwords in a row before the keypad locks
  int keypad_lock_seconds = 60;  // how long it stays locked

  bool operator==(const LockSettings&) const = default;
};

// The settings' figures within their ranges; Errc::Invalid naming the field otherwise.
Result<void> check_lock_settings(const LockSettings& s);

// Where alarms go (the alarm centre: records, delivery to the management centre, events).
enum class AlarmType { Tamper, ForcedOpen, HeldOpen, Duress, KeypadLocked, RemoteUnlockLocked };
std::string_view alarm_type_name(AlarmType type);  // "tamper", "forced_open", ...

class AlarmSink {
 public:
  using AlarmId = std::uint64_t;
  virtual ~AlarmSink() = default;
  // A new alarm, with what happened in words; returns its id (for end()).
  virtual AlarmId raise(AlarmType type, const std::string& source, const std::string& details) = 0;
  // The condition is over (the door closed again...).
  virtual void end(AlarmId id) = 0;
};

class AccessControl final : public device::Access {
 public:
  // Runs `hash` (a few ms) off the core thread and calls `done` with its result on it.
  using HashAsync =
      std::function<void(std::function<std::string()> hash, std::function<void(std::string)> done)>;
  using Clock = std::function<std::int64_t()>;  // unix ms, for records and validity

  struct Stores {
    Cards& cards;
    Fingerprints& fingerprints;
    KeypadCodes& codes;
    const KeypadHasher& hasher;
    records::UnlockRecords& records;
  };

  AccessControl(Stores stores, core::Timers& timers, Clock clock, HashAsync hash_async,
                AlarmSink* alarms, LockSettings settings);
  ~AccessControl() override;
  AccessControl(const AccessControl&) = delete;
  AccessControl& operator=(const AccessControl&) = delete;

  // The lock and door sensor in use (they change with the facade); nullptr: none.
  void set_devices(hal::LockRelay* lock, hal::DoorSensor* door);
  void set_settings(const LockSettings& settings);
  const LockSettings& settings() const { return settings_; }

  // device::Access (the panel)
  device::AccessAnswer card(const std::string& number) override;
  device::AccessAnswer finger(const hal::FingerScan& scan) override;
  void password(const std::string& code, std::function<void(device::AccessAnswer)> done) override;
  device::AccessAnswer monitor_code(const std::string& device, std::uint64_t call,
                                    const std::string& entry) override;
  void call_ended(std::uint64_t call) override;

  // The unlock code monitors send during a call (DTMF or INFO); empty: remote unlock off.
  void set_monitor_code(std::string code) { monitor_code_ = std::move(code); }
  // Called after each unlock granted (by any method), e.g. to mark the call on at the door.
  void set_unlock_listener(std::function<void()> fn) { unlocked_ = std::move(fn); }
  // Called with each unlock record as it is written (granted or refused).
  void set_record_listener(std::function<void(const records::UnlockRecord&)> fn) {
    recorded_ = std::move(fn);
  }
  // Wrong codes: this many in one call end that call's remote unlock; kRemoteMaxFailures
  // within kRemoteWindow from one device lock its remote unlock for kRemoteLock (with an
  // alarm), or until an administrator clears it.
  static constexpr int kCallMaxFailures = 3;
  static constexpr int kRemoteMaxFailures = 5;
  static constexpr core::Duration kRemoteWindow = std::chrono::minutes(10);
  static constexpr core::Duration kRemoteLock = std::chrono::minutes(30);
  struct RemoteLock {
    std::string device;
    int seconds_left = 0;
  };
  // Devices whose remote unlock is locked now.
  std::vector<RemoteLock> remote_locks() const;
  // Lifts `device`'s lock (and forgets its wrong codes); false when it was not locked.
  bool clear_remote_lock(const std::string& device);

  // The exit button inside; the API (`who`: the user or token that asked).
  device::AccessAnswer exit_button();
  device::AccessAnswer remote(const std::string& who);

  // Seconds the keypad stays locked, 0 when it is not.
  int keypad_locked_seconds() const;

 private:
  struct Attempt {
    std::string_view method;
    std::string credential, person, room;
  };
  device::AccessAnswer grant(const Attempt& attempt);
  device::AccessAnswer refuse(const Attempt& attempt, const std::string& reason,
                              const std::string& text);
  void record(const Attempt& attempt, std::string_view result, const std::string& reason);
  device::AccessAnswer password_checked(const std::string& hash);
  void on_door(hal::DoorState state);
  void held_open_elapsed();

  Stores stores_;
  core::Timers& timers_;
  Clock clock_;
  HashAsync hash_async_;
  AlarmSink* alarms_;
  LockSettings settings_;
  std::shared_ptr<spdlog::logger> log_;
  hal::LockRelay* lock_ = nullptr;
  hal::DoorSensor* door_ = nullptr;
  hal::ListenerId door_listener_ = 0;
  hal::ListenerId lock_listener_ = 0;
  std::optional<core::TimePoint> last_unlock_;
  std::optional<core::TimePoint> lock_closed_at_;  // when the lock last closed
  std::string monitor_code_;
  std::function<void()> unlocked_;
  std::function<void(const records::UnlockRecord&)> recorded_;
  std::map<std::uint64_t, int> call_failures_;  // wrong codes per call in progress
  core::FailureLimiter remote_failures_;        // wrong codes per device
  int keypad_failures_ = 0;
  std::optional<core::TimePoint> keypad_locked_until_;
  std::optional<core::Timers::Id> held_timer_;
  std::optional<AlarmSink::AlarmId> held_alarm_;
  std::optional<AlarmSink::AlarmId> forced_alarm_;  // ends when the door closes
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vto::access
