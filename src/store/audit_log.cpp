#include "store/audit_log.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <exception>
#include <limits>
#include <string_view>

#include "core/text.h"

namespace vto::store {
namespace {

constexpr const char* kColumns = "SELECT id, at_ms, user, address, action, detail FROM audit_log";

Error invalid(const std::string& message) {
  return make_error(message, Errc::Invalid);
}

Error db_error(Database& db, const std::exception& e) {
  return make_error(db.path() + ": " + e.what(), Errc::Io);
}

Result<void> check_filters(const AuditQuery& q) {
  if (q.from_ms && *q.from_ms < 0) return invalid("from: must be a unix time in ms, >= 0");
  if (q.to_ms && *q.to_ms < 0) return invalid("to: must be a unix time in ms, >= 0");
  if (q.from_ms && q.to_ms && *q.from_ms > *q.to_ms) return invalid("from: later than to");
  return {};
}

// " WHERE ..." for the query's filters, bound from parameter 1 on by bind_filters().
std::string where_clause(const AuditQuery& q) {
  std::string where;
  auto add = [&where](const char* condition) {
    where += where.empty() ? " WHERE " : " AND ";
    where += condition;
  };
  if (q.from_ms) add("at_ms >= ?");
  if (q.to_ms) add("at_ms <= ?");
  if (q.action) add("action = ?");
  if (q.user) add("user = ?");
  return where;
}

int bind_filters(SQLite::Statement& st, const AuditQuery& q) {
  int n = 0;
  if (q.from_ms) st.bind(++n, *q.from_ms);
  if (q.to_ms) st.bind(++n, *q.to_ms);
  if (q.action) st.bind(++n, *q.action);
  if (q.user) st.bind(++n, *q.user);
  return n;
}

AuditEntry entry_from(SQLite::Statement& st) {
  AuditEntry e;
  e.id = st.getColumn(0).getInt64();
  e.at_ms = st.getColumn(1).getInt64();
  e.user = st.getColumn(2).getString();
  e.address = st.getColumn(3).getString();
  e.action = st.getColumn(4).getString();
  e.detail = st.getColumn(5).getString();
  return e;
}

}  // namespace

Result<void> validate_audit_entry(const AuditEntry& entry) {
  if (entry.at_ms < 0) return invalid("at: must be a unix time in ms, >= 0");
  if (entry.user.size() > 64) return invalid("user: at most 64 characters");
  if (entry.address.size() > 64) return invalid("address: at most 64 characters");
  if (entry.action.empty() || entry.action.size() > 64) {
    return invalid("action: 1 to 64 characters");
  }
  if (entry.detail.size() > 1024) return invalid("detail: at most 1024 characters");
  return {};
}

Result<void> check_audit_query(const AuditQuery& query) {
  if (auto ok = check_filters(query); !ok) return ok;
  if (query.limit < 1 || query.limit > AuditQuery::kMaxLimit) {
    return invalid("limit: 1-" + std::to_string(AuditQuery::kMaxLimit));
  }
  if (query.offset > static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())) {
    return invalid("offset: too large");
  }
  return {};
}

Result<void> AuditLog::add(const AuditEntry& given) {
  if (auto ok = validate_audit_entry(given); !ok) return ok;
  // Names and details may come from strangers (a SIP user name, a login): no control
  // characters reach the log, so no entry can forge a line of its own.
  AuditEntry entry = given;
  for (std::string* text : {&entry.user, &entry.address, &entry.action, &entry.detail})
    core::replace_controls(*text);
  try {
    SQLite::Statement st(db_.connection(),
                         "INSERT INTO audit_log (at_ms, user, address, action, detail) "
                         "VALUES (?, ?, ?, ?, ?)");
    st.bind(1, entry.at_ms);
    st.bind(2, entry.user);
    st.bind(3, entry.address);
    st.bind(4, entry.action);
    st.bind(5, entry.detail);
    st.exec();
    return {};
  } catch (const std::exception& e) {
    return db_error(db_, e);
  }
}

Result<AuditPage> AuditLog::query(const AuditQuery& query) {
  if (auto ok = check_audit_query(query); !ok) return ok.error();
  try {
    auto& db = db_.connection();
    // One read transaction, so that the page and its total agree.
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::DEFERRED);
    const std::string where = where_clause(query);
    AuditPage page;
    SQLite::Statement st(
        db, std::string(kColumns) + where + " ORDER BY at_ms DESC, id DESC LIMIT ? OFFSET ?");
    int n = bind_filters(st, query);
    st.bind(++n, static_cast<std::int64_t>(query.limit));
    st.bind(++n, static_cast<std::int64_t>(query.offset));
    while (st.executeStep()) page.entries.push_back(entry_from(st));
    SQLite::Statement count(db, "SELECT count(*) FROM audit_log" + where);
    bind_filters(count, query);
    count.executeStep();
    page.total = static_cast<std::size_t>(count.getColumn(0).getInt64());
    tx.commit();
    return page;
  } catch (const std::exception& e) {
    return db_error(db_, e);
  }
}

Result<std::size_t> AuditLog::trim(std::size_t keep) {
  if (keep > static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())) {
    return static_cast<std::size_t>(0);
  }
  try {
    auto& db = db_.connection();
    // max(id) - min(id) + 1 bounds the row count cheaply, so the walk over the at_ms
    // index runs only when the log may hold more than `keep`.
    SQLite::Statement span(db, "SELECT coalesce(max(id) - min(id) + 1, 0) FROM audit_log");
    span.executeStep();
    if (span.getColumn(0).getInt64() <= static_cast<std::int64_t>(keep)) {
      return static_cast<std::size_t>(0);
    }
    span.reset();
    SQLite::Statement drop(db,
                           "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log "
                           "ORDER BY at_ms DESC, id DESC LIMIT -1 OFFSET ?)");
    drop.bind(1, static_cast<std::int64_t>(keep));
    return static_cast<std::size_t>(drop.exec());
  } catch (const std::exception& e) {
    return db_error(db_, e);
  }
}

}  // namespace vto::store
