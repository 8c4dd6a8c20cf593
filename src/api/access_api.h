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
#include "records/unlock_records.h"
#include "station/reader_enrolment.h"
#include "store/settings.h"

namespace vto::api {

// The saved lock settings ("access.lock", a JSON object), defaults when never saved; a
// saved value that does not parse is a Errc::Invalid error naming the key.
Result<access::LockSettings> load_lock_settings(store::Settings& settings);
nlohmann::json to_json(const access::LockSettings& s);
// Every field required; Errc::Invalid naming the field.
Result<access::LockSettings> lock_settings_from_json(const nlohmann::json& body);

nlohmann::json to_json(const records::UnlockRecord& r);
nlohmann::json to_json(const access::Card& c);
// The unlock records' filters and paging from a query string; Errc::Invalid naming the parameter.
Result<records::UnlockQuery> parse_unlock_query(std::string_view query);

struct AccessApiParts {
  store::Settings& settings;
  access::AccessControl& access;
  station::ReaderEnrolment& enrolment;
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

void add_access_routes(web::HttpServer& http, WebAuth& auth, AccessApiParts deps);

}  // namespace vto::api
