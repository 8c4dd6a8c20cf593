#include "records/unlock_records.h"

#include <SQLiteCpp/Statement.h>

#include "store/csv.h"

#include <array>
#include <utility>

namespace vto::records {
namespace {

constexpr std::array<std::string_view, 6> kMethods = {kByCard,       kByFingerprint, kByPassword,
                                                      kByExitButton, kByRemote,      kByMonitor};

Error invalid(const std::string& message) {
  return make_error(message, Errc::Invalid);
}

Result<void> check_filters(const UnlockQuery& q) {
  if (auto ok = store::check_time_range(q.from_ms, q.to_ms); !ok) return ok;
  if (q.method && !is_unlock_method(*q.method)) {
    return invalid("method: one of card, fingerprint, password, exit_button, remote, monitor");
  }
  if (q.result && *q.result != kGranted && *q.result != kRefused) {
    return invalid("result: granted or refused");
  }
  if (q.room && (q.room->empty() || q.room->size() > 6)) return invalid("room: 1-6 characters");
  return {};
}

store::Filters filters_of(const UnlockQuery& q) {
  store::Filters f;
  f.add("at_ms >= ?", q.from_ms)
      .add("at_ms <= ?", q.to_ms)
      .add("method = ?", q.method)
      .add("room = ?", q.room)
      .add("result = ?", q.result);
  return f;
}

store::Paging paging_of(const UnlockQuery& q) {
  return {q.oldest_first, q.offset, q.limit};
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
  return store::check_paging(paging_of(query), UnlockQuery::kMaxLimit);
}

std::string unlocks_csv(const std::vector<UnlockRecord>& records,
                        const std::function<std::string(std::int64_t)>& time_text) {
  store::Csv csv(
      {"id", "at_ms", "time", "method", "credential", "person", "room", "result", "reason"});
  for (const auto& r : records) {
    csv.number(r.id)
        .number(r.at_ms)
        .text(time_text(r.at_ms))
        .text(r.method)
        .text(r.credential)
        .text(r.person)
        .text(r.room)
        .text(r.result)
        .text(r.reason)
        .end_row();
  }
  return csv.str();
}

UnlockRecords::UnlockRecords(store::Database& db, RecordWriter& writer)
    : table_(db, std::string(kTable), "id, at_ms, method, credential, person, room, result, reason",
             "at_ms"),
      writer_(writer) {
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

Result<std::vector<UnlockRecord>> UnlockRecords::search(const UnlockQuery& query) {
  if (auto ok = check_query(query); !ok) return ok.error();
  return table_.page(filters_of(query), paging_of(query), record_from);
}

Result<std::size_t> UnlockRecords::count(const UnlockQuery& query, std::size_t cap) {
  if (auto ok = check_filters(query); !ok) return ok.error();
  return table_.count(filters_of(query), cap);
}

}  // namespace vto::records
