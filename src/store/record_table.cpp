#include "store/record_table.h"

#include <limits>
#include <utility>

namespace vto::store {

Filters& Filters::add(std::string_view condition, const std::optional<std::int64_t>& value) {
  if (value) {
    append(condition);
    values_.emplace_back(*value);
  }
  return *this;
}

Filters& Filters::add(std::string_view condition, const std::optional<std::string>& value) {
  if (value) {
    append(condition);
    values_.emplace_back(*value);
  }
  return *this;
}

Filters& Filters::add_if(bool present, std::string_view condition) {
  if (present) append(condition);
  return *this;
}

void Filters::append(std::string_view condition) {
  where_ += where_.empty() ? " WHERE " : " AND ";
  where_ += condition;
}

int Filters::bind(SQLite::Statement& st) const {
  int n = 0;
  for (const auto& value : values_) {
    if (const auto* number = std::get_if<std::int64_t>(&value)) {
      st.bind(++n, *number);
    } else {
      st.bind(++n, std::get<std::string>(value));
    }
  }
  return n;
}

Result<void> check_time_range(const std::optional<std::int64_t>& from_ms,
                              const std::optional<std::int64_t>& to_ms) {
  if (from_ms && *from_ms < 0)
    return make_error("from: must be a unix time in ms, >= 0", Errc::Invalid);
  if (to_ms && *to_ms < 0) return make_error("to: must be a unix time in ms, >= 0", Errc::Invalid);
  if (from_ms && to_ms && *from_ms > *to_ms)
    return make_error("from: later than to", Errc::Invalid);
  return {};
}

Result<void> check_paging(const Paging& paging, std::size_t max_limit) {
  if (paging.limit < 1 || paging.limit > max_limit)
    return make_error("limit: 1-" + std::to_string(max_limit), Errc::Invalid);
  if (paging.offset > static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max()))
    return make_error("offset: too large", Errc::Invalid);
  return {};
}

RecordTable::RecordTable(Database& db, std::string table, std::string columns,
                         std::string time_column)
    : db_(db),
      table_(std::move(table)),
      select_("SELECT " + columns + " FROM " + table_),
      newest_first_(" ORDER BY " + time_column + " DESC, id DESC LIMIT ? OFFSET ?"),
      oldest_first_(" ORDER BY " + time_column + " ASC, id ASC LIMIT ? OFFSET ?") {}

RecordTable::~RecordTable() = default;

Result<std::size_t> RecordTable::count(const Filters& filters, std::size_t cap) {
  try {
    StatementUse use(prepared(cap == 0
                                  ? "SELECT count(*) FROM " + table_ + filters.where()
                                  : "SELECT count(*) FROM (SELECT 1 FROM " + table_ +
                                        filters.where() + " LIMIT " + std::to_string(cap) + ")"));
    filters.bind(use.st);
    use.st.executeStep();
    return static_cast<std::size_t>(use.st.getColumn(0).getInt64());
  } catch (const std::exception& e) {
    return error(e);
  }
}

Error RecordTable::error(const std::exception& e) const {
  return make_error(db_.path() + ": " + e.what(), Errc::Io);
}

SQLite::Statement& RecordTable::prepared(const std::string& sql) {
  auto& st = statements_[sql];
  if (!st) st = std::make_unique<SQLite::Statement>(db_.connection(), sql);
  return *st;
}

}  // namespace vto::store
