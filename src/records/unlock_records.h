// Unlock records: every attempt to open the door, granted or refused,
// with its method, the credential (card numbers masked), whose it is and why a refusal
// was made. Written by the RecordWriter (add() never waits for the disk), read from the
// caller's own connection. The table keeps the newest `max_rows` (writer cap).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "records/record_writer.h"
#include "store/database.h"
#include "store/record_table.h"

namespace vto::records {

// How the door was (to be) opened.
inline constexpr std::string_view kByCard = "card";
inline constexpr std::string_view kByFingerprint = "fingerprint";
inline constexpr std::string_view kByPassword = "password";
inline constexpr std::string_view kByExitButton = "exit_button";
inline constexpr std::string_view kByRemote = "remote";    // the HTTP API
inline constexpr std::string_view kByMonitor = "monitor";  // DTMF or SIP INFO during a call

bool is_unlock_method(std::string_view method);  // one of the six above

// Where the API stops counting a search's matches ("10,000 or more").
inline constexpr std::size_t kCountCap = 10000;

inline constexpr std::string_view kGranted = "granted";
inline constexpr std::string_view kRefused = "refused";

struct UnlockRecord {
  std::int64_t id = 0;
  std::int64_t at_ms = 0;  // unix ms
  std::string method;
  std::string credential;  // "****3C4D", a finger, "public password", "101#0", a user...
  std::string person;
  std::string room;
  std::string result;  // granted or refused
  std::string reason;  // why refused: "card expired", "wrong password"...

  bool operator==(const UnlockRecord&) const = default;
};

// A card number as records show it: all but the last four digits hidden.
std::string masked_card(std::string_view number);

// Filters of search() and count(): at_ms within [from_ms, to_ms] (both inclusive).
struct UnlockQuery {
  static constexpr std::size_t kMaxLimit = 500;

  std::optional<std::int64_t> from_ms, to_ms;
  std::optional<std::string> method, room, result;
  bool oldest_first = false;
  std::size_t offset = 0;
  std::size_t limit = 50;  // 1..kMaxLimit
};

// The figures and names checked; Errc::Invalid naming the field otherwise.
Result<void> check_query(const UnlockQuery& query);

// The records as CSV, each time also as `time_text(at_ms)` (e.g. UTC).
std::string unlocks_csv(const std::vector<UnlockRecord>& records,
                        const std::function<std::string(std::int64_t)>& time_text);

class UnlockRecords {
 public:
  static constexpr std::size_t kDefaultMaxRows = 100000;
  static constexpr std::string_view kTable = "unlock_records";

  // `db` is read on the caller's thread; `writer` writes. Both must outlive this.
  UnlockRecords(store::Database& db, RecordWriter& writer);
  ~UnlockRecords();

  // Queues the record (its id is the writer's); visible once written (flush() waits).
  void add(UnlockRecord record);
  void flush() { writer_.flush(); }

  Result<std::vector<UnlockRecord>> search(const UnlockQuery& query);
  // The number of matches; with `cap`, counting stops there (a total of `cap` means "at
  // least"): counting a million index entries takes longer than finding a page.
  Result<std::size_t> count(const UnlockQuery& query, std::size_t cap = 0);

 private:
  store::RecordTable table_;
  RecordWriter& writer_;
};

}  // namespace vto::records
