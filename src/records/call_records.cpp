#include "records/call_records.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <array>
#include <exception>
#include <utility>

namespace vto::records {
namespace {

Error invalid(const std::string& message) {
  return make_error(message, Errc::Invalid);
}

constexpr std::array<std::string_view, 9> kResults = {kAnswered,   kNoAnswer,      kBusy,
                                                      kNobodyHome, kUnknownNumber, kCentreOffline,
                                                      kFailed,     kCancelled,     kOngoing};

Result<void> check_filters(const CallQuery& q) {
  if (auto ok = store::check_time_range(q.from_ms, q.to_ms); !ok) return ok;
  if (q.result && !is_call_result(*q.result)) {
    return invalid("result \"" + *q.result +
                   "\": one of answered, no_answer, busy, nobody_home, unknown_number, "
                   "centre_offline, failed, cancelled, ongoing");
  }
  if (q.called && (q.called->empty() || q.called->size() > 16)) {
    return invalid("room: 1-16 characters");
  }
  return {};
}

store::Filters filters_of(const CallQuery& q) {
  store::Filters f;
  f.add("started_ms >= ?", q.from_ms)
      .add("started_ms <= ?", q.to_ms)
      .add("result = ?", q.result)
      .add("called = ?", q.called);
  return f;
}

store::Paging paging_of(const CallQuery& q) {
  return {q.oldest_first, q.offset, q.limit};
}

// Moves CallRecords::changes() when the write it guards is over, however it ended.
struct CountWrite {
  explicit CountWrite(std::atomic<std::uint64_t>& c) : changes(c) {}
  ~CountWrite() { changes.fetch_add(1, std::memory_order_release); }
  CountWrite(const CountWrite&) = delete;
  CountWrite& operator=(const CountWrite&) = delete;
  std::atomic<std::uint64_t>& changes;
};

CallRecord record_from(SQLite::Statement& st) {
  CallRecord r;
  r.id = st.getColumn(0).getInt64();
  r.started_ms = st.getColumn(1).getInt64();
  r.ended_ms = st.getColumn(2).getInt64();
  r.caller = st.getColumn(3).getString();
  r.called = st.getColumn(4).getString();
  r.answered_by = st.getColumn(5).getString();
  r.result = st.getColumn(6).getString();
  r.duration_s = st.getColumn(7).getInt();
  if (!st.getColumn(8).isNull()) r.snapshot_path = st.getColumn(8).getString();
  r.encrypted = st.getColumn(9).getInt() != 0;
  r.door_opened = st.getColumn(10).getInt() != 0;
  return r;
}

// Drops the oldest records beyond `max_rows`, never `keep` (the record just inserted), and
// returns the snapshot paths they named. max(id) - min(id) + 1 bounds the row count cheaply
// (ids only grow: the newest id is never deleted, so none is reused), so the exact walk over
// the started_ms index runs only when the cap may be exceeded.
std::vector<std::string> drop_oldest(SQLite::Database& db, std::size_t max_rows,
                                     std::int64_t keep) {
  SQLite::Statement span(db, "SELECT coalesce(max(id) - min(id) + 1, 0) FROM call_records");
  span.executeStep();
  if (span.getColumn(0).getInt64() <= static_cast<std::int64_t>(max_rows)) return {};
  SQLite::Statement oldest(db,
                           "SELECT id, snapshot_path FROM call_records WHERE id != ? "
                           "ORDER BY started_ms DESC, id DESC LIMIT -1 OFFSET ?");
  oldest.bind(1, keep);
  oldest.bind(2, static_cast<std::int64_t>(max_rows - 1));  // `keep` holds one place
  std::vector<std::int64_t> ids;
  std::vector<std::string> snapshots;
  while (oldest.executeStep()) {
    ids.push_back(oldest.getColumn(0).getInt64());
    if (!oldest.getColumn(1).isNull()) snapshots.push_back(oldest.getColumn(1).getString());
  }
  SQLite::Statement drop(db, "DELETE FROM call_records WHERE id = ?");
  for (std::int64_t id : ids) {
    drop.bind(1, id);
    drop.exec();
    drop.reset();
  }
  return snapshots;
}

// Errc::NotFound or Errc::Conflict for an UPDATE ... WHERE id = ? AND ended_ms = 0 that changed
// nothing.
Error not_updated(SQLite::Database& db, std::int64_t id) {
  SQLite::Statement q(db, "SELECT 1 FROM call_records WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep()) {
    return make_error("call record " + std::to_string(id) + ": not found", Errc::NotFound);
  }
  return make_error("call record " + std::to_string(id) + ": already finished", Errc::Conflict);
}

}  // namespace

bool is_call_result(std::string_view result) {
  for (auto r : kResults) {
    if (r == result) return true;
  }
  return false;
}

Result<void> check_query(const CallQuery& query) {
  if (auto ok = check_filters(query); !ok) return ok;
  return store::check_paging(paging_of(query), CallQuery::kMaxLimit);
}

Result<NewCallRecord> CallRecords::start(const std::string& caller, const std::string& called,
                                         std::int64_t at_ms) {
  const CountWrite counted(changes_);
  try {
    auto& db = db_.connection();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement insert(db,
                             "INSERT INTO call_records (started_ms, caller, called) "
                             "VALUES (?, ?, ?)");
    insert.bind(1, at_ms);
    insert.bind(2, caller);
    insert.bind(3, called);
    insert.exec();
    NewCallRecord made;
    made.id = db.getLastInsertRowid();
    made.dropped_snapshots = drop_oldest(db, max_rows_, made.id);
    tx.commit();
    return made;
  } catch (const std::exception& e) {
    return table_.error(e);
  }
}

Result<void> CallRecords::answered(std::int64_t id, const std::string& device, std::int64_t at_ms,
                                   bool encrypted) {
  const CountWrite counted(changes_);
  try {
    auto& db = db_.connection();
    SQLite::Statement q(db,
                        "UPDATE call_records SET answered_by = ?, answered_ms = ?, encrypted = ? "
                        "WHERE id = ? AND ended_ms = 0");
    q.bind(1, device);
    q.bind(2, at_ms);
    q.bind(3, encrypted ? 1 : 0);
    q.bind(4, id);
    if (q.exec() == 0) return not_updated(db, id);
    return {};
  } catch (const std::exception& e) {
    return table_.error(e);
  }
}

Result<void> CallRecords::set_door_opened(std::int64_t id) {
  const CountWrite counted(changes_);
  try {
    auto& db = db_.connection();
    SQLite::Statement q(db, "UPDATE call_records SET door_opened = 1 WHERE id = ?");
    q.bind(1, id);
    if (q.exec() == 0)
      return make_error("call record " + std::to_string(id) + ": none", Errc::NotFound);
    return {};
  } catch (const std::exception& e) {
    return table_.error(e);
  }
}

Result<void> CallRecords::finish(std::int64_t id, std::string_view result, std::int64_t at_ms) {
  if (!is_call_result(result) || result == kOngoing) {
    return invalid("result \"" + std::string(result) + "\": not a final call result");
  }
  const CountWrite counted(changes_);
  try {
    auto& db = db_.connection();
    // Talk time from the answer; a clock set back never makes it negative.
    SQLite::Statement q(db,
                        "UPDATE call_records SET result = ?1, ended_ms = ?2, duration_s = CASE "
                        "WHEN answered_ms > 0 AND ?2 > answered_ms THEN (?2 - answered_ms) / 1000 "
                        "ELSE 0 END WHERE id = ?3 AND ended_ms = 0");
    q.bind(1, std::string(result));
    q.bind(2, at_ms);
    q.bind(3, id);
    if (q.exec() == 0) return not_updated(db, id);
    return {};
  } catch (const std::exception& e) {
    return table_.error(e);
  }
}

Result<void> CallRecords::set_snapshot(std::int64_t id, const std::string& path) {
  const CountWrite counted(changes_);
  try {
    SQLite::Statement q(db_.connection(), "UPDATE call_records SET snapshot_path = ? WHERE id = ?");
    q.bind(1, path);
    q.bind(2, id);
    if (q.exec() == 0) {
      return make_error("call record " + std::to_string(id) + ": not found", Errc::NotFound);
    }
    return {};
  } catch (const std::exception& e) {
    return table_.error(e);
  }
}

Result<CallRecord> CallRecords::get(std::int64_t id) {
  auto found = table_.find(id, record_from);
  if (!found) return found.error();
  if (!*found) {
    return make_error("call record " + std::to_string(id) + ": not found", Errc::NotFound);
  }
  return std::move(**found);
}

Result<std::size_t> CallRecords::close_interrupted(std::int64_t at_ms) {
  const CountWrite counted(changes_);
  try {
    SQLite::Statement q(db_.connection(),
                        "UPDATE call_records SET ended_ms = MAX(?1, started_ms), result = CASE "
                        "WHEN answered_ms > 0 THEN 'answered' ELSE 'failed' END, duration_s = "
                        "CASE WHEN answered_ms > 0 AND ?1 > answered_ms THEN (?1 - answered_ms) "
                        "/ 1000 ELSE 0 END WHERE ended_ms = 0");
    q.bind(1, at_ms);
    return static_cast<std::size_t>(q.exec());
  } catch (const std::exception& e) {
    return table_.error(e);
  }
}

CallRecords::CallRecords(store::Database& db, std::size_t max_rows)
    : db_(db),
      table_(db, "call_records",
             "id, started_ms, ended_ms, caller, called, answered_by, result, duration_s, "
             "snapshot_path, encrypted, door_opened",
             "started_ms"),
      max_rows_(max_rows == 0 ? 1 : max_rows) {}

CallRecords::~CallRecords() = default;

Result<std::vector<CallRecord>> CallRecords::search(const CallQuery& query) {
  if (auto ok = check_query(query); !ok) return ok.error();
  return table_.page(filters_of(query), paging_of(query), record_from);
}

Result<std::size_t> CallRecords::count(const CallQuery& query) {
  if (auto ok = check_filters(query); !ok) return ok.error();
  return table_.count(filters_of(query));
}

Result<std::vector<SnapshotLink>> CallRecords::snapshot_links() {
  try {
    SQLite::Statement st(db_.connection(),
                         "SELECT id, snapshot_path IS NOT NULL FROM call_records ORDER BY id");
    std::vector<SnapshotLink> links;
    while (st.executeStep()) {
      links.push_back({st.getColumn(0).getInt64(), st.getColumn(1).getInt() != 0});
    }
    return links;
  } catch (const std::exception& e) {
    return table_.error(e);
  }
}

}  // namespace vto::records
