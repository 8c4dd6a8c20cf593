// Call records: one row per call the door panel places, from its start
// to its outcome, over a store::Database. Every change is committed at once, so a record
// survives a crash in the state it had reached. The table keeps the newest `max_rows`
// records; the oldest go in the same transaction as the insert that overflows it, and
// start() names their snapshot files so that the caller deletes them.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/database.h"
#include "store/record_table.h"

namespace SQLite {
class Statement;
}

namespace vto::records {

// The outcomes of a call; "ongoing" until finish().
inline constexpr std::string_view kAnswered = "answered";
inline constexpr std::string_view kNoAnswer = "no_answer";
inline constexpr std::string_view kBusy = "busy";
inline constexpr std::string_view kFailed = "failed";
inline constexpr std::string_view kNobodyHome = "nobody_home";        // no monitor of the room on
inline constexpr std::string_view kUnknownNumber = "unknown_number";  // no such room
inline constexpr std::string_view kCentreOffline = "centre_offline";  // centre not registered
inline constexpr std::string_view kCancelled = "cancelled";
inline constexpr std::string_view kOngoing = "ongoing";

bool is_call_result(std::string_view result);  // one of the six above

struct CallRecord {
  std::int64_t id = 0;
  std::int64_t started_ms = 0;  // unix ms
  std::int64_t ended_ms = 0;    // unix ms; 0 while the call runs
  std::string caller;           // "8001" (this VTO's number) or "panel"
  std::string called;           // the dialled number
  std::string answered_by;      // the answering device's AOR ("101#1"), empty if none
  std::string result = std::string(kOngoing);
  int duration_s = 0;  // talk time: from answer to end
  std::optional<std::string> snapshot_path;
  bool encrypted = false;    // the answered call's media was SRTP
  bool door_opened = false;  // the door was opened while the call was on

  bool operator==(const CallRecord&) const = default;
};

// Filters of search() and count(): started_ms within [from_ms, to_ms] (both inclusive).
struct CallQuery {
  static constexpr std::size_t kMaxLimit = 500;

  std::optional<std::int64_t> from_ms, to_ms;
  std::optional<std::string> result;
  std::optional<std::string> called;  // the room (or number) called
  bool oldest_first = false;
  std::size_t offset = 0;
  std::size_t limit = 50;  // 1..kMaxLimit
};

// The query's figures and result checked; Errc::Invalid naming the field otherwise.
Result<void> check_query(const CallQuery& query);

// What start() did: the new record, and the snapshot_path of each record that the cap
// dropped to make room for it (records without a snapshot are not named).
struct NewCallRecord {
  std::int64_t id = 0;
  std::vector<std::string> dropped_snapshots;
};

// A record's id and whether it names a snapshot (the start-up sweep of the snapshot files).
struct SnapshotLink {
  std::int64_t id = 0;
  bool has_snapshot = false;

  bool operator==(const SnapshotLink&) const = default;
};

class CallRecords {
 public:
  static constexpr std::size_t kDefaultMaxRows = 100000;

  explicit CallRecords(store::Database& db, std::size_t max_rows = kDefaultMaxRows);
  ~CallRecords();

  // How many records are kept from the next start() on (the oldest go then).
  void set_max_rows(std::size_t max_rows) { max_rows_ = max_rows == 0 ? 1 : max_rows; }
  std::size_t max_rows() const { return max_rows_; }

  // A new "ongoing" record. When the table is full the oldest records by start time go,
  // never the new one (even with a clock set back): its id stays valid and is not handed
  // out again.
  Result<NewCallRecord> start(const std::string& caller, const std::string& called,
                              std::int64_t at_ms);
  // The call was answered by `device` at `at_ms`; talk time counts from here. `encrypted`:
  // its media is SRTP.
  Result<void> answered(std::int64_t id, const std::string& device, std::int64_t at_ms,
                        bool encrypted = false);
  // The door was opened during the call (by the monitor, or any unlock while it was on).
  Result<void> set_door_opened(std::int64_t id);
  // The call ended with `result` (not "ongoing"). Errc::NotFound for an unknown id, Errc::Conflict
  // for a record already finished.
  Result<void> finish(std::int64_t id, std::string_view result, std::int64_t at_ms);
  // The JPEG of the visitor taken when the call started is the file at `path`. Allowed
  // after finish() too (the camera may answer late). Errc::NotFound for an unknown id.
  Result<void> set_snapshot(std::int64_t id, const std::string& path);

  // At start-up: records still "ongoing" belong to calls that a crash or power cut ended.
  // They are closed at `at_ms` (when this was noticed): "answered" when they had been
  // answered (talk time up to `at_ms`, an upper bound), "failed" otherwise. Returns how
  // many were closed.
  Result<std::size_t> close_interrupted(std::int64_t at_ms);

  // One record; Errc::NotFound for an unknown id.
  Result<CallRecord> get(std::int64_t id);
  // Newest first (by started_ms, then id).
  Result<std::vector<CallRecord>> search(const CallQuery& query);
  // The number of records matching the filters (offset and limit ignored).
  Result<std::size_t> count(const CallQuery& query);
  // Every record's SnapshotLink, by id ascending: one scan, as many as the table holds.
  Result<std::vector<SnapshotLink>> snapshot_links();

  // Counts the writes: it moves after each write (successful or not) is over, so a page
  // read after reading changes() is current as long as changes() still gives that value.
  // The API caches its pages on it.
  std::uint64_t changes() const { return changes_.load(std::memory_order_acquire); }

 private:
  store::Database& db_;
  store::RecordTable table_;
  std::size_t max_rows_;
  std::atomic<std::uint64_t> changes_{0};
};

}  // namespace vto::records
