// What every record table shares (the call, unlock and alarm records, the audit log): a
// search's filters as SQL and their checks, a page of rows newest or oldest first, the
// count (capped where counting would take longer than finding the page), one row by id;
// their CSV is store/csv.h. A new record kind is its schema, its row and CSV mappings and
// its filters.
#pragma once

#include <SQLiteCpp/Statement.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/result.h"
#include "store/database.h"

namespace vto::store {

// Leaves a cached statement reset and unbound, whatever happens: a statement left
// mid-step would hold its read transaction open.
struct StatementUse {
  explicit StatementUse(SQLite::Statement& s) : st(s) {
    st.reset();
    st.clearBindings();
  }
  ~StatementUse() {
    try {
      st.reset();
    } catch (...) {  // reset() reports the last step's error again: nothing to do here
    }
  }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  SQLite::Statement& st;
};

// The filters of a search: conditions and the values they bind, in their order.
class Filters {
 public:
  // `condition` (e.g. "at_ms >= ?") bound to `value`, when the value is given.
  Filters& add(std::string_view condition, const std::optional<std::int64_t>& value);
  Filters& add(std::string_view condition, const std::optional<std::string>& value);
  // `condition` without a value (e.g. "delivered_ms > 0"), when `present`.
  Filters& add_if(bool present, std::string_view condition);

  const std::string& where() const { return where_; }  // "" or " WHERE a AND b"
  // Binds the values from parameter 1 on; the number bound.
  int bind(SQLite::Statement& st) const;

 private:
  void append(std::string_view condition);

  std::string where_;
  std::vector<std::variant<std::int64_t, std::string>> values_;
};

// The page a search asks for.
struct Paging {
  bool oldest_first = false;
  std::size_t offset = 0;
  std::size_t limit = 50;
};

// `from` and `to` (unix ms) not negative and in order; Errc::Invalid naming the field.
Result<void> check_time_range(const std::optional<std::int64_t>& from_ms,
                              const std::optional<std::int64_t>& to_ms);
// `limit` 1..max_limit and an offset SQLite takes; Errc::Invalid naming the field.
Result<void> check_paging(const Paging& paging, std::size_t max_limit);

// One table of records, read on the owner's connection. Its search and count statements
// are prepared once per filter combination (a handful): the record pages are read often and
// parsing dominated them. Not thread-safe: one per reading thread.
class RecordTable {
 public:
  // `columns`, read by the row functions in this order, must start with the id; pages are
  // ordered by `time_column`, then id.
  RecordTable(Database& db, std::string table, std::string columns, std::string time_column);
  ~RecordTable();

  // A page of rows matching `filters`, each made by `row(statement)`.
  template <class Row>
  Result<std::vector<std::invoke_result_t<Row, SQLite::Statement&>>> page(const Filters& filters,
                                                                          const Paging& paging,
                                                                          Row row) {
    try {
      StatementUse use(prepared(select_ + filters.where() +
                                (paging.oldest_first ? oldest_first_ : newest_first_)));
      int n = filters.bind(use.st);
      use.st.bind(++n, static_cast<std::int64_t>(paging.limit));
      use.st.bind(++n, static_cast<std::int64_t>(paging.offset));
      std::vector<std::invoke_result_t<Row, SQLite::Statement&>> found;
      while (use.st.executeStep()) found.push_back(row(use.st));
      return found;
    } catch (const std::exception& e) {
      return error(e);
    }
  }

  // The rows matching `filters`; with `cap`, counting stops there (a total of `cap` means
  // "at least").
  Result<std::size_t> count(const Filters& filters, std::size_t cap = 0);

  // The row with this id, if there is one.
  template <class Row>
  Result<std::optional<std::invoke_result_t<Row, SQLite::Statement&>>> find(std::int64_t id,
                                                                            Row row) {
    try {
      StatementUse use(prepared(select_ + " WHERE id = ?"));
      use.st.bind(1, id);
      if (!use.st.executeStep())
        return std::optional<std::invoke_result_t<Row, SQLite::Statement&>>{};
      return std::optional{row(use.st)};
    } catch (const std::exception& e) {
      return error(e);
    }
  }

  // A failure of the database itself: Errc::Io naming the file.
  Error error(const std::exception& e) const;
  const std::string& select() const { return select_; }  // "SELECT columns FROM table"

 private:
  SQLite::Statement& prepared(const std::string& sql);

  Database& db_;
  std::string table_, select_;
  std::string newest_first_, oldest_first_;  // " ORDER BY ... LIMIT ? OFFSET ?"
  std::map<std::string, std::unique_ptr<SQLite::Statement>> statements_;
};

}  // namespace vto::store
