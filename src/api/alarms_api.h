// The Records pages' alarm records and storage:
//   GET /api/v1/records/alarms[.csv] (viewer)   alarm records: time range, type, delivery
//   GET /api/v1/records/settings (viewer), PUT (admin)   how many records of each kind
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/result.h"
#include "records/alarm_records.h"
#include "store/settings.h"

namespace vto::web {
class HttpServer;
}

namespace vto::api {

class WebAuth;

nlohmann::json to_json(const records::AlarmRecord& r);
Result<records::AlarmQuery> parse_alarm_query(std::string_view query);

// GET /api/v1/records/alarms[.csv] (viewer): the alarm records, filtered by time range,
// type and delivery, paged, or as CSV.
// POST /api/v1/records/alarms/ID/acknowledge (operator) marks an alarm seen by a person;
// `acknowledged` hears of each one (the event stream's "acknowledged").
void add_alarm_routes(web::HttpServer& http, WebAuth& auth, records::AlarmRecords& records,
                      std::function<void(const records::AlarmRecord&)> acknowledged = {});

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
