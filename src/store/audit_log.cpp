#include "store/audit_log.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <exception>
#include <iterator>
#include <limits>
#include <string_view>
#include <utility>

#include "core/text.h"
#include "core/unix_clock.h"
#include "store/csv.h"

namespace vto::store {
namespace {

Error invalid(const std::string& message) {
  return make_error(message, Errc::Invalid);
}

Filters filters_of(const AuditQuery& q) {
  Filters f;
  f.add("at_ms >= ?", q.from_ms)
      .add("at_ms <= ?", q.to_ms)
      .add("action = ?", q.action)
      .add("user = ?", q.user);
  // A part of the detail, user or address, literally (instr), in any ASCII case.
  f.add("instr(lower(detail || ' ' || user || ' ' || address), lower(?)) > 0", q.text);
  return f;
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
  if (auto ok = check_time_range(query.from_ms, query.to_ms); !ok) return ok;
  return check_paging({false, query.offset, query.limit}, AuditQuery::kMaxLimit);
}

std::string audit_csv(const std::vector<AuditEntry>& entries) {
  Csv csv({"id", "at_ms", "time", "user", "address", "action", "detail"});
  for (const auto& e : entries) {
    csv.number(e.id)
        .number(e.at_ms)
        .text(core::utc_text(e.at_ms))
        .text(e.user)
        .text(e.address)
        .text(e.action)
        .text(e.detail)
        .end_row();
  }
  return csv.str();
}

AuditLog::AuditLog(Database& db)
    : db_(db), table_(db, "audit_log", "id, at_ms, user, address, action, detail", "at_ms") {}

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
    return table_.error(e);
  }
}

Result<AuditPage> AuditLog::query(const AuditQuery& query) {
  if (auto ok = check_audit_query(query); !ok) return ok.error();
  const Filters filters = filters_of(query);
  try {
    // One read transaction, so that the page and its total agree.
    SQLite::Transaction tx(db_.connection(), SQLite::TransactionBehavior::DEFERRED);
    auto entries = table_.page(filters, {false, query.offset, query.limit}, entry_from);
    if (!entries) return entries.error();
    auto total = table_.count(filters);
    if (!total) return total.error();
    tx.commit();
    return AuditPage{std::move(*entries), *total};
  } catch (const std::exception& e) {
    return table_.error(e);
  }
}

Result<AuditPage> AuditLog::query_all(const AuditQuery& query) {
  AuditQuery q = query;
  q.limit = AuditQuery::kMaxLimit;
  if (auto ok = check_audit_query(q); !ok) return ok.error();
  const Filters filters = filters_of(q);
  try {
    // One read transaction: an entry added meanwhile shifts no page.
    SQLite::Transaction tx(db_.connection(), SQLite::TransactionBehavior::DEFERRED);
    auto total = table_.count(filters);
    if (!total) return total.error();
    AuditPage all{{}, *total};
    for (;;) {
      auto more = table_.page(filters, {false, q.offset + all.entries.size(), q.limit}, entry_from);
      if (!more) return more.error();
      const bool last = more->size() < q.limit;
      all.entries.insert(all.entries.end(), std::make_move_iterator(more->begin()),
                         std::make_move_iterator(more->end()));
      if (last) break;
    }
    tx.commit();
    return all;
  } catch (const std::exception& e) {
    return table_.error(e);
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
    return table_.error(e);
  }
}

}  // namespace vto::store
