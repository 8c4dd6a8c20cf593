// Access control in the API:
//   GET  /api/v1/access/lock (viewer), PUT (admin)   lock settings: relay type, unlock time,
//        minimum interval, door sensor and held-open time, keypad lock-out
//   POST /api/v1/door/unlock (operator)              opens the door (a "remote" unlock)
//   GET  /api/v1/records/unlocks[.csv] (viewer)      unlock records: filters, paging, CSV
//   GET|POST /api/v1/access/cards, GET|PUT|DELETE /api/v1/access/cards/{number} (admin)
//   GET|POST /api/v1/access/cards.csv (admin)        export, import (all or nothing)
//   POST /api/v1/access/cards/read (admin)           the next card held to the reader
//   GET|POST /api/v1/access/fingerprints, DELETE /api/v1/access/fingerprints/{id} (admin):
//        enrolment through the fingerprint module (the next finger laid on it)
//   GET /api/v1/access/passwords, PUT|DELETE /api/v1/access/passwords/{public|duress|
//        rooms/ROOM} (admin): keypad passwords, write-only
// Every change is checked whole, saved, applied at once and written to the audit log.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "access/access_control.h"
#include "access/credentials.h"
#include "api/auth/web_auth.h"
#include "core/timers.h"
#include "hal/card_reader.h"
#include "hal/fingerprint_reader.h"
#include "records/alarm_records.h"
#include "records/unlock_records.h"
#include "store/settings.h"

namespace vto::api {

// The saved lock settings ("access.lock", a JSON object), defaults when never saved; a
// saved value that does not parse is a store::kInvalid error naming the key.
Result<access::LockSettings> load_lock_settings(store::Settings& settings);
nlohmann::json to_json(const access::LockSettings& s);
// Every field required; kInvalid naming the field.
Result<access::LockSettings> lock_settings_from_json(const nlohmann::json& body);

nlohmann::json to_json(const records::UnlockRecord& r);
nlohmann::json to_json(const access::Card& c);
// The unlock records' filters and paging from a query string; kInvalid naming the parameter.
Result<records::UnlockQuery> parse_unlock_query(std::string_view query);

// The access control seen by the panel, with the enrolment of the readers in front of it:
// while the API waits for a card to be read (or a finger to be enrolled), the next card
// (finger) goes to that request instead of opening the door.
class ReaderEnrolment final : public device::Access {
 public:
  ReaderEnrolment(access::AccessControl& access, core::Timers& timers)
      : access_(access), timers_(timers) {}
  ~ReaderEnrolment() override;

  // The readers in use (they change with the facade); nullptr: none.
  void set_readers(hal::CardReader* cards, hal::FingerprintReader* fingers);
  hal::CardReader* card_reader() const { return cards_; }
  hal::FingerprintReader* fingerprint_reader() const { return fingers_; }

  // Hands the next card read within `timeout` to `done` (nullopt: none came). A new wait
  // ends the one before (with nullopt).
  void read_card(core::Duration timeout, std::function<void(std::optional<std::string>)> done);
  // Enrols the next finger within `timeout`: its template, or an error.
  void enrol_finger(core::Duration timeout,
                    std::function<void(Result<std::vector<std::uint8_t>>)> done);

  device::AccessAnswer card(const std::string& number) override;
  device::AccessAnswer finger(const hal::FingerScan& scan) override { return access_.finger(scan); }
  void password(const std::string& code, std::function<void(device::AccessAnswer)> done) override {
    access_.password(code, std::move(done));
  }
  device::AccessAnswer monitor_code(const std::string& device, std::uint64_t call,
                                    const std::string& entry) override {
    return access_.monitor_code(device, call, entry);
  }
  void call_ended(std::uint64_t call) override { access_.call_ended(call); }

 private:
  void end_card_wait(std::optional<std::string> number);

  access::AccessControl& access_;
  core::Timers& timers_;
  hal::CardReader* cards_ = nullptr;
  hal::FingerprintReader* fingers_ = nullptr;
  std::function<void(std::optional<std::string>)> card_wait_;
  std::optional<core::Timers::Id> card_timer_;
  std::optional<core::Timers::Id> finger_timer_;
};

struct AccessApiDeps {
  store::Settings& settings;
  access::AccessControl& access;
  ReaderEnrolment& enrolment;
  access::Cards& cards;
  access::Fingerprints& fingerprints;
  access::KeypadCodes& codes;
  records::UnlockRecords& records;
  core::Timers& timers;
  // Hashes a keypad password off the core thread (as AccessControl::HashAsync).
  access::AccessControl::HashAsync hash_async;
  const access::KeypadHasher& hasher;
  std::function<std::int64_t()> now_ms;
  // The fingerprints changed: give the module its prints again.
  std::function<void()> fingerprints_changed;
  // The lock settings changed: apply the relay type to the relay in use.
  std::function<void(const access::LockSettings&)> lock_settings_changed;
};

void add_access_routes(web::HttpServer& http, WebAuth& auth, AccessApiDeps deps);

nlohmann::json to_json(const records::AlarmRecord& r);
Result<records::AlarmQuery> parse_alarm_query(std::string_view query);

// GET /api/v1/records/alarms[.csv] (viewer): the alarm records, filtered by time range,
// type and delivery, paged, or as CSV.
void add_alarm_routes(web::HttpServer& http, WebAuth& auth, records::AlarmRecords& records);

// How many records of each kind are kept ("records.max", a JSON object): the oldest go
// first once a kind is full.
struct RecordCaps {
  static constexpr std::size_t kMin = 1000, kMax = 1000000, kDefault = 100000;
  std::size_t calls = kDefault, unlocks = kDefault, alarms = kDefault;
  bool operator==(const RecordCaps&) const = default;
};
Result<RecordCaps> load_record_caps(store::Settings& settings);

// GET /api/v1/records/settings (viewer), PUT (admin): the caps, applied through `apply`.
void add_record_caps_routes(web::HttpServer& http, WebAuth& auth, store::Settings& settings,
                            RecordCaps& caps, std::function<void(const RecordCaps&)> apply);

}  // namespace vto::api
