#include "records/alarm_records.h"

#include <SQLiteCpp/Statement.h>

#include <SQLiteCpp/Transaction.h>
#include "store/csv.h"

#include <array>
#include <exception>

namespace vto::records {
namespace {

constexpr std::array<std::string_view, 6> kTypes = {
    "tamper", "forced_open", "held_open", "duress", "keypad_locked", "remote_unlock_locked"};

Error invalid(const std::string& message) {
  return make_error(message, Errc::Invalid);
}

store::Filters filters_of(const AlarmQuery& q) {
  store::Filters f;
  f.add("started_ms >= ?", q.from_ms)
      .add("started_ms <= ?", q.to_ms)
      .add("type = ?", q.type)
      .add_if(q.delivered.has_value(),
              q.delivered.value_or(false) ? "delivered_ms > 0" : "delivered_ms = 0")
      .add_if(q.acknowledged.has_value(),
              q.acknowledged.value_or(false) ? "acknowledged_ms > 0" : "acknowledged_ms = 0");
  return f;
}

store::Paging paging_of(const AlarmQuery& q) {
  return {q.oldest_first, q.offset, q.limit};
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
  r.acknowledged_ms = st.getColumn(7).getInt64();
  r.acknowledged_by = st.getColumn(8).getString();
  return r;
}

Result<void> check_filters(const AlarmQuery& q) {
  if (auto ok = store::check_time_range(q.from_ms, q.to_ms); !ok) return ok;
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
  return store::check_paging(paging_of(query), AlarmQuery::kMaxLimit);
}

std::string alarms_csv(const std::vector<AlarmRecord>& records,
                       const std::function<std::string(std::int64_t)>& time_text) {
  store::Csv csv({"id", "started_ms", "start", "type", "source", "details", "ended_ms", "end",
                  "delivered_ms", "delivered", "acknowledged_ms", "acknowledged_by"});
  for (const auto& r : records) {
    csv.number(r.id)
        .number(r.started_ms)
        .text(time_text(r.started_ms))
        .text(r.type)
        .text(r.source)
        .text(r.details)
        .number(r.ended_ms)
        .text(time_text(r.ended_ms))
        .number(r.delivered_ms)
        .text(time_text(r.delivered_ms))
        .number(r.acknowledged_ms)
        .text(r.acknowledged_by)
        .end_row();
  }
  return csv.str();
}

AlarmRecords::AlarmRecords(store::Database& db, std::size_t max_rows)
    : db_(db),
      table_(db, "alarm_records",
             "id, type, source, started_ms, ended_ms, details, delivered_ms, acknowledged_ms, "
             "acknowledged_by",
             "started_ms"),
      max_rows_(max_rows == 0 ? 1 : max_rows) {}

AlarmRecords::~AlarmRecords() = default;

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
    return table_.error(e);
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
    return table_.error(e);
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
    return table_.error(e);
  }
}

Result<void> AlarmRecords::acknowledge(std::int64_t id, const std::string& by, std::int64_t at_ms) {
  try {
    SQLite::Statement up(db_.connection(),
                         "UPDATE alarm_records SET acknowledged_ms = ?, acknowledged_by = ? "
                         "WHERE id = ? AND acknowledged_ms = 0");
    up.bind(1, at_ms);
    up.bind(2, by);
    up.bind(3, id);
    if (up.exec() > 0) return {};
    auto found = get(id);
    if (!found) return found.error();
    if (!*found) return make_error("alarm " + std::to_string(id) + ": none", Errc::NotFound);
    return make_error(
        "alarm " + std::to_string(id) + ": acknowledged already by " + (*found)->acknowledged_by,
        Errc::Conflict);
  } catch (const std::exception& e) {
    return table_.error(e);
  }
}

Result<std::optional<AlarmRecord>> AlarmRecords::get(std::int64_t id) {
  return table_.find(id, record_from);
}

Result<std::vector<AlarmRecord>> AlarmRecords::undelivered(std::size_t limit) {
  try {
    SQLite::Statement q(db_.connection(),
                        table_.select() + " WHERE delivered_ms = 0 ORDER BY id LIMIT ?");
    q.bind(1, static_cast<std::int64_t>(limit));
    std::vector<AlarmRecord> out;
    while (q.executeStep()) out.push_back(record_from(q));
    return out;
  } catch (const std::exception& e) {
    return table_.error(e);
  }
}

Result<std::vector<AlarmRecord>> AlarmRecords::search(const AlarmQuery& query) {
  if (auto ok = check_query(query); !ok) return ok.error();
  return table_.page(filters_of(query), paging_of(query), record_from);
}

Result<std::size_t> AlarmRecords::count(const AlarmQuery& query) {
  if (auto ok = check_filters(query); !ok) return ok.error();
  return table_.count(filters_of(query));
}

}  // namespace vto::records
