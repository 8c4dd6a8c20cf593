#include "store/settings.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "store/guarded.h"

namespace vto::store {
namespace {

void upsert(SQLite::Database& db, const std::string& key, const std::string& value) {
  SQLite::Statement st(db,
                       "INSERT INTO settings (key, value) VALUES (?, ?) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  st.bind(1, key);
  st.bind(2, value);
  st.exec();
}

}  // namespace

Result<std::optional<std::string>> Settings::get(const std::string& key) {
  return guarded<std::optional<std::string>>(
      db_, [&](SQLite::Database& db) -> std::optional<std::string> {
        SQLite::Statement st(db, "SELECT value FROM settings WHERE key = ?");
        st.bind(1, key);
        if (!st.executeStep()) return std::nullopt;
        return st.getColumn(0).getString();
      });
}

Result<std::map<std::string, std::string>> Settings::get_prefix(const std::string& prefix) {
  return guarded<std::map<std::string, std::string>>(db_, [&](SQLite::Database& db) {
    SQLite::Statement st(db, "SELECT key, value FROM settings WHERE substr(key, 1, ?) = ?");
    st.bind(1, static_cast<int>(prefix.size()));
    st.bind(2, prefix);
    std::map<std::string, std::string> out;
    while (st.executeStep()) out[st.getColumn(0).getString()] = st.getColumn(1).getString();
    return out;
  });
}

Result<void> Settings::set(const std::string& key, const std::string& value) {
  return set_many({{key, value}});
}

Result<void> Settings::set_many(const std::map<std::string, std::string>& values) {
  return guarded<void>(db_, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    for (const auto& [key, value] : values) upsert(db, key, value);
    tx.commit();
    return {};
  });
}

}  // namespace vto::store
