// Alarm records: tamper, forced open, held open, duress and keypad
// lock-out, from their start to their end, and whether the management centre acknowledged
// each. Written at once (an alarm is rare, and one not yet delivered must survive a crash:
// the undelivered ones are sent again after a restart). The newest `max_rows` are kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/database.h"
#include "store/record_table.h"

namespace vto::records {

bool is_alarm_type(std::string_view type);  // tamper, forced_open, ..., remote_unlock_locked

struct AlarmRecord {
  std::int64_t id = 0;
  std::string type;
  std::string source;  // "tamper switch", "door sensor", "keypad"
  std::int64_t started_ms = 0;
  std::int64_t ended_ms = 0;  // 0 while it lasts (or for an alarm that is only an event)
  std::string details;
  std::int64_t delivered_ms = 0;     // when the centre acknowledged it; 0: not yet
  std::int64_t acknowledged_ms = 0;  // when a person acknowledged it on the station; 0: not yet
  std::string acknowledged_by;       // who ("admin", "token:nvr")

  bool operator==(const AlarmRecord&) const = default;
};

struct AlarmQuery {
  static constexpr std::size_t kMaxLimit = 500;

  std::optional<std::int64_t> from_ms, to_ms;  // started_ms within, both inclusive
  std::optional<std::string> type;
  std::optional<bool> delivered;
  std::optional<bool> acknowledged;
  bool oldest_first = false;
  std::size_t offset = 0;
  std::size_t limit = 50;
};

Result<void> check_query(const AlarmQuery& query);

// The records as CSV, each time also as `time_text(ms)` (e.g. UTC).
std::string alarms_csv(const std::vector<AlarmRecord>& records,
                       const std::function<std::string(std::int64_t)>& time_text);

class AlarmRecords {
 public:
  static constexpr std::size_t kDefaultMaxRows = 100000;

  explicit AlarmRecords(store::Database& db, std::size_t max_rows = kDefaultMaxRows);
  ~AlarmRecords();

  // How many records are kept from the next add() on.
  void set_max_rows(std::size_t max_rows) { max_rows_ = max_rows == 0 ? 1 : max_rows; }
  std::size_t max_rows() const { return max_rows_; }

  // The new record's id (the oldest beyond max_rows go in the same transaction).
  Result<std::int64_t> add(const std::string& type, const std::string& source,
                           const std::string& details, std::int64_t at_ms);
  Result<void> end(std::int64_t id, std::int64_t at_ms);
  Result<void> delivered(std::int64_t id, std::int64_t at_ms);
  // A person saw the alarm: Errc::NotFound for an unknown id, Errc::Conflict when it was
  // acknowledged already.
  Result<void> acknowledge(std::int64_t id, const std::string& by, std::int64_t at_ms);
  Result<std::optional<AlarmRecord>> get(std::int64_t id);
  // The alarms the centre has not acknowledged, oldest first (at most `limit`).
  Result<std::vector<AlarmRecord>> undelivered(std::size_t limit);

  Result<std::vector<AlarmRecord>> search(const AlarmQuery& query);
  Result<std::size_t> count(const AlarmQuery& query);

 private:
  store::Database& db_;
  store::RecordTable table_;
  std::size_t max_rows_;
};

}  // namespace vto::records
