// Helpers of the record tables (calls, unlocks, alarms).
#pragma once

#include <SQLiteCpp/Statement.h>

#include <exception>
#include <string>

#include "core/result.h"
#include "store/database.h"

namespace vto::records::detail {

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

inline Error db_error(store::Database& db, const std::exception& e) {
  return make_error(db.path() + ": " + e.what(), Errc::Io);
}

inline Error invalid(const std::string& message) {
  return make_error(message, Errc::Invalid);
}

}  // namespace vto::records::detail
