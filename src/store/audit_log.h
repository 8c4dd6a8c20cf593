// The audit log: who did what, from where, and when: logins, failed logins,
// configuration changes, door openings from the web. Entries are only added, searched
// newest first (a page, or every match for the CSV export), and trimmed to the newest N by
// the caller (kDefaultMaxEntries).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/database.h"
#include "store/record_table.h"

namespace vto::store {

struct AuditEntry {
  std::int64_t id = 0;     // given by add(); ignored there
  std::int64_t at_ms = 0;  // unix ms, >= 0
  std::string user;        // at most 64 bytes; empty when nobody was logged in
  std::string address;     // the client's address, at most 64 bytes
  std::string action;      // 1-64 bytes, e.g. "login", "login_failed", "user.add"
  std::string detail;      // at most 1024 bytes

  bool operator==(const AuditEntry&) const = default;
};

// Filters of query(): at_ms within [from_ms, to_ms] (both inclusive), the exact action and
// user when given.
struct AuditQuery {
  static constexpr std::size_t kMaxLimit = 500;

  std::optional<std::int64_t> from_ms, to_ms;
  std::optional<std::string> action;
  std::optional<std::string> user;
  std::optional<std::string> text;  // a part of the detail, user or address (any case)
  std::size_t offset = 0;
  std::size_t limit = 100;  // 1..kMaxLimit
};

struct AuditPage {
  std::vector<AuditEntry> entries;  // newest first (by at_ms, then id)
  std::size_t total = 0;            // entries matching the filters, offset and limit aside
};

// The entry's field lengths and at_ms checked; Errc::Invalid naming the field otherwise.
Result<void> validate_audit_entry(const AuditEntry& entry);
// The query's figures checked; Errc::Invalid naming the field otherwise.
Result<void> check_audit_query(const AuditQuery& query);

// The entries as CSV (store/csv.h): id,at_ms,time,user,address,action,detail, `time` in UTC
// ("2026-05-01T14:03:22.123Z").
std::string audit_csv(const std::vector<AuditEntry>& entries);

class AuditLog {
 public:
  static constexpr std::size_t kDefaultMaxEntries = 100000;

  explicit AuditLog(Database& db);

  Result<void> add(const AuditEntry& entry);
  Result<AuditPage> query(const AuditQuery& query);
  // Every entry matching the filters from query.offset on, newest first, read in one
  // transaction (query.limit aside: the reads go kMaxLimit at a time): the CSV export.
  Result<AuditPage> query_all(const AuditQuery& query);
  // Keeps the newest `keep` entries and returns how many went.
  Result<std::size_t> trim(std::size_t keep = kDefaultMaxEntries);

 private:
  Database& db_;
  RecordTable table_;
};

}  // namespace vto::store
