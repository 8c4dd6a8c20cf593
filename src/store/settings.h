// The device's settings as key/value text in the `settings` table (migration 1): what the
// web interface's pages save (VTO No., facade layout, ports...). Each page's values are
// written together in one transaction, so a change is all there or not at all.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/result.h"
#include "store/database.h"

namespace vto::store {

class Settings {
 public:
  explicit Settings(Database& db) : db_(db) {}

  Result<std::optional<std::string>> get(const std::string& key);
  // Every value whose key starts with `prefix`.
  Result<std::map<std::string, std::string>> get_prefix(const std::string& prefix);
  Result<void> set(const std::string& key, const std::string& value);
  // All of `values`, in one transaction.
  Result<void> set_many(const std::map<std::string, std::string>& values);

 private:
  Database& db_;
};

}  // namespace vto::store
