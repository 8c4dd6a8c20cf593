#include "records/alarm_records.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <array>
#include <exception>
#include <limits>

#include "records/statement_use.h"

namespace vto::records {
namespace {

using detail::db_error;
using detail::invalid;
using detail::StatementUse;

constexpr std::array<std::string_view, 6> kTypes = {
    "tamper", "forced_open", "held_open", "duress", "keypad_locked", "remote_unlock_locked"};

constexpr const char* kColumns =
    "SELECT id, type, source, started_ms, ended_ms, details, delivered_ms FROM alarm_records";

std::string where_clause(const AlarmQuery& q) {
  std::string where;
  auto add = [&where](const char* condition) {
    where += where.empty() ? " WHERE " : " AND ";
    where += condition;
  };
  if (q.from_ms) add("started_ms >= ?");
  if (q.to_ms) add("started_ms <= ?");
  if (q.type) add("type = ?");
  if (q.delivered) add(*q.delivered ? "delivered_ms > 0" : "delivered_ms = 0");
  return where;
}

int bind_filters(SQLite::Statement& st, const AlarmQuery& q) {
  int n = 0;
  if (q.from_ms) st.bind(++n, *q.from_ms);
  if (q.to_ms) st.bind(++n, *q.to_ms);
  if (q.type) st.bind(++n, *q.type);
  return n;
}

AlarmRecord record_from(SQLite::Statement& st) {
  AlarmRecord r;
  r.id = st.getColumn(0).getInt64();
  r.type = st.getColumn(1).getString();
  r.source = st.getColumn(2).getString();
  r.started_ms = st.getColumn(3).getInt64();
  r.ended_ms = st.getColumn(4).getInt64();
  r.details = st.getColumn(5).getString();
  r.delivered_ms = st.getColumn(6).getInt64();
  return r;
}

Result<void> check_filters(const AlarmQuery& q) {
  if (q.from_ms && *q.from_ms < 0) return invalid("from: must be a unix time in ms, >= 0");
  if (q.to_ms && *q.to_ms < 0) return invalid("to: must be a unix time in ms, >= 0");
  if (q.from_ms && q.to_ms && *q.from_ms > *q.to_ms) return invalid("from: later than to");
  if (q.type && !is_alarm_type(*q.type)) {
    return invalid(
        "type: one of tamper, forced_open, held_open, duress, keypad_locked, remote_unlock_locked");
  }
  return {};
}

}  // namespace

bool is_alarm_type(std::string_view type) {
  for (std::string_view t : kTypes) {
    if (t == type) return true;
  }
  return false;
}

Result<void> check_query(const AlarmQuery& query) {
  if (auto ok = check_filters(query); !ok) return ok;
  if (query.limit < 1 || query.limit > AlarmQuery::kMaxLimit) {
    return invalid("limit: 1-" + std::to_string(AlarmQuery::kMaxLimit));
  }
  if (query.offset > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    return invalid("offset: too large");
  }
  return {};
}

AlarmRecords::AlarmRecords(store::Database& db, std::size_t max_rows)
    : db_(db), max_rows_(max_rows == 0 ? 1 : max_rows) {}

AlarmRecords::~AlarmRecords() = default;

SQLite::Statement& AlarmRecords::prepared(const std::string& sql) {
  auto& st = statements_[sql];
  if (!st) st = std::make_unique<SQLite::Statement>(db_.connection(), sql);
  return *st;
}

Result<std::int64_t> AlarmRecords::add(const std::string& type, const std::string& source,
                                       const std::string& details, std::int64_t at_ms) {
  if (!is_alarm_type(type)) return invalid("type: not an alarm type");
  try {
    auto& db = db_.connection();
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement ins(db,
                          "INSERT INTO alarm_records (type, source, started_ms, details) "
                          "VALUES (?, ?, ?, ?)");
    ins.bind(1, type);
    ins.bind(2, source);
    ins.bind(3, at_ms);
    ins.bind(4, details);
    ins.exec();
    const std::int64_t id = db.getLastInsertRowid();
    SQLite::Statement drop(db, "DELETE FROM alarm_records WHERE id <= ?");
    drop.bind(1, id - static_cast<std::int64_t>(max_rows_));
    drop.exec();
    tx.commit();
    return id;
  } catch (const std::exception& e) {
    return db_error(db_, e);
  }
}

Result<void> AlarmRecords::end(std::int64_t id, std::int64_t at_ms) {
  try {
    SQLite::Statement up(db_.connection(),
                         "UPDATE alarm_records SET ended_ms = MAX(?, started_ms) "
                         "WHERE id = ? AND ended_ms = 0");
    up.bind(1, at_ms);
    up.bind(2, id);
    up.exec();
    return {};
  } catch (const std::exception& e) {
    return db_error(db_, e);
  }
}

Result<void> AlarmRecords::delivered(std::int64_t id, std::int64_t at_ms) {
  try {
    SQLite::Statement up(db_.connection(),
                         "UPDATE alarm_records SET delivered_ms = ? WHERE id = ? AND "
                         "delivered_ms = 0");
    up.bind(1, at_ms);
    up.bind(2, id);
    up.exec();
    return {};
  } catch (const std::exception& e) {
    return db_error(db_, e);
  }
}

Result<std::optional<AlarmRecord>> AlarmRecords::get(std::int64_t id) {
  try {
    SQLite::Statement q(db_.connection(), std::string(kColumns) + " WHERE id = ?");
    q.bind(1, id);
    if (!q.executeStep()) return std::optional<AlarmRecord>{};
    return std::optional<AlarmRecord>{record_from(q)};
  } catch (const std::exception& e) {
    return db_error(db_, e);
  }
}

Result<std::vector<AlarmRecord>> AlarmRecords::undelivered(std::size_t limit) {
  try {
    SQLite::Statement q(db_.connection(),
                        std::string(kColumns) + " WHERE delivered_ms = 0 ORDER BY id LIMIT ?");
    q.bind(1, static_cast<std::int64_t>(limit));
    std::vector<AlarmRecord> out;
    while (q.executeStep()) out.push_back(record_from(q));
    return out;
  } catch (const std::exception& e) {
    return db_error(db_, e);
  }
}

Result<std::vector<AlarmRecord>> AlarmRecords::search(const AlarmQuery& query) {
  if (auto ok = check_query(query); !ok) return ok.error();
  try {
    const char* order = query.oldest_first ? " ORDER BY started_ms ASC, id ASC"
                                           : " ORDER BY started_ms DESC, id DESC";
    StatementUse use(
        prepared(std::string(kColumns) + where_clause(query) + order + " LIMIT ? OFFSET ?"));
    int n = bind_filters(use.st, query);
    use.st.bind(++n, static_cast<std::int64_t>(query.limit));
    use.st.bind(++n, static_cast<std::int64_t>(query.offset));
    std::vector<AlarmRecord> found;
    while (use.st.executeStep()) found.push_back(record_from(use.st));
    return found;
  } catch (const std::exception& e) {
    return db_error(db_, e);
  }
}

Result<std::size_t> AlarmRecords::count(const AlarmQuery& query) {
  if (auto ok = check_filters(query); !ok) return ok.error();
  try {
    StatementUse use(prepared("SELECT count(*) FROM alarm_records" + where_clause(query)));
    bind_filters(use.st, query);
    use.st.executeStep();
    return static_cast<std::size_t>(use.st.getColumn(0).getInt64());
  } catch (const std::exception& e) {
    return db_error(db_, e);
  }
}

}  // namespace vto::records
