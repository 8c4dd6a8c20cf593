#include "records/unlock_records.h"

#include <SQLiteCpp/Statement.h>

#include <array>
#include <exception>
#include <limits>

#include "records/statement_use.h"

namespace vto::records {
namespace {

using detail::db_error;
using detail::invalid;
using detail::StatementUse;

constexpr std::array<std::string_view, 6> kMethods = {kByCard,       kByFingerprint, kByPassword,
                                                      kByExitButton, kByRemote,      kByMonitor};

constexpr const char* kColumns =
    "SELECT id, at_ms, method, credential, person, room, result, reason FROM unlock_records";

Result<void> check_filters(const UnlockQuery& q) {
  if (q.from_ms && *q.from_ms < 0) return invalid("from: must be a unix time in ms, >= 0");
  if (q.to_ms && *q.to_ms < 0) return invalid("to: must be a unix time in ms, >= 0");
  if (q.from_ms && q.to_ms && *q.from_ms > *q.to_ms) return invalid("from: later than to");
  if (q.method && !is_unlock_method(*q.method)) {
    return invalid("method: one of card, fingerprint, password, exit_button, remote, monitor");
  }
  if (q.result && *q.result != kGranted && *q.result != kRefused) {
    return invalid("result: granted or refused");
  }
  if (q.room && (q.room->empty() || q.room->size() > 6)) return invalid("room: 1-6 characters");
  return {};
}

// " WHERE ..." for the query's filters, in the order bind_filters() binds them.
std::string where_clause(const UnlockQuery& q) {
  std::string where;
  auto add = [&where](const char* condition) {
    where += where.empty() ? " WHERE " : " AND ";
    where += condition;
  };
  if (q.from_ms) add("at_ms >= ?");
  if (q.to_ms) add("at_ms <= ?");
  if (q.method) add("method = ?");
  if (q.room) add("room = ?");
  if (q.result) add("result = ?");
  return where;
}

int bind_filters(SQLite::Statement& st, const UnlockQuery& q) {
  int n = 0;
  if (q.from_ms) st.bind(++n, *q.from_ms);
  if (q.to_ms) st.bind(++n, *q.to_ms);
  if (q.method) st.bind(++n, *q.method);
  if (q.room) st.bind(++n, *q.room);
  if (q.result) st.bind(++n, *q.result);
  return n;
}

UnlockRecord record_from(SQLite::Statement& st) {
  UnlockRecord r;
  r.id = st.getColumn(0).getInt64();
  r.at_ms = st.getColumn(1).getInt64();
  r.method = st.getColumn(2).getString();
  r.credential = st.getColumn(3).getString();
  r.person = st.getColumn(4).getString();
  r.room = st.getColumn(5).getString();
  r.result = st.getColumn(6).getString();
  r.reason = st.getColumn(7).getString();
  return r;
}

}  // namespace

bool is_unlock_method(std::string_view method) {
  for (std::string_view m : kMethods) {
    if (m == method) return true;
  }
  return false;
}

std::string masked_card(std::string_view number) {
  const std::size_t shown = number.size() < 4 ? number.size() : 4;
  return std::string(number.size() - shown, '*') +
         std::string(number.substr(number.size() - shown));
}

Result<void> check_query(const UnlockQuery& query) {
  if (auto ok = check_filters(query); !ok) return ok;
  if (query.limit < 1 || query.limit > UnlockQuery::kMaxLimit) {
    return invalid("limit: 1-" + std::to_string(UnlockQuery::kMaxLimit));
  }
  if (query.offset > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    return invalid("offset: too large");
  }
  return {};
}

UnlockRecords::UnlockRecords(store::Database& db, RecordWriter& writer) : db_(db), writer_(writer) {
  if (writer_.cap(std::string(kTable)) == 0) writer_.set_cap(std::string(kTable), kDefaultMaxRows);
}

UnlockRecords::~UnlockRecords() = default;

void UnlockRecords::add(UnlockRecord r) {
  writer_.post(std::string(kTable), [r = std::move(r)](SQLite::Database& db) {
    SQLite::Statement ins(db,
                          "INSERT INTO unlock_records (at_ms, method, credential, person, room, "
                          "result, reason) VALUES (?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, r.at_ms);
    ins.bind(2, r.method);
    ins.bind(3, r.credential);
    ins.bind(4, r.person);
    ins.bind(5, r.room);
    ins.bind(6, r.result);
    ins.bind(7, r.reason);
    ins.exec();
  });
}

SQLite::Statement& UnlockRecords::prepared(const std::string& sql) {
  auto& st = statements_[sql];
  if (!st) st = std::make_unique<SQLite::Statement>(db_.connection(), sql);
  return *st;
}

Result<std::vector<UnlockRecord>> UnlockRecords::search(const UnlockQuery& query) {
  if (auto ok = check_query(query); !ok) return ok.error();
  try {
    const char* order =
        query.oldest_first ? " ORDER BY at_ms ASC, id ASC" : " ORDER BY at_ms DESC, id DESC";
    StatementUse use(
        prepared(std::string(kColumns) + where_clause(query) + order + " LIMIT ? OFFSET ?"));
    SQLite::Statement& st = use.st;
    int n = bind_filters(st, query);
    st.bind(++n, static_cast<std::int64_t>(query.limit));
    st.bind(++n, static_cast<std::int64_t>(query.offset));
    std::vector<UnlockRecord> found;
    while (st.executeStep()) found.push_back(record_from(st));
    return found;
  } catch (const std::exception& e) {
    return db_error(db_, e);
  }
}

Result<std::size_t> UnlockRecords::count(const UnlockQuery& query, std::size_t cap) {
  if (auto ok = check_filters(query); !ok) return ok.error();
  try {
    StatementUse use(prepared(cap == 0 ? "SELECT count(*) FROM unlock_records" + where_clause(query)
                                       : "SELECT count(*) FROM (SELECT 1 FROM unlock_records" +
                                             where_clause(query) + " LIMIT " + std::to_string(cap) +
                                             ")"));
    bind_filters(use.st, query);
    use.st.executeStep();
    return static_cast<std::size_t>(use.st.getColumn(0).getInt64());
  } catch (const std::exception& e) {
    return db_error(db_, e);
  }
}

}  // namespace vto::records
