// RecordWriter: the thread that writes records (unlock, alarm...) so that the core thread
// never waits for the disk. It has its own connection to the database, takes every job
// queued since its last commit and runs them in one transaction (thousands of records per
// commit under load, one when idle), then drops the oldest rows of each capped table.
// Readers (search, CSV) use their own connection: SQLite's WAL lets them read meanwhile.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/result.h"
#include "store/database.h"

namespace vto::records {

class RecordWriter {
 public:
  using Job = std::function<void(SQLite::Database&)>;

  // Opens its own connection to DATA/openvto.db (which must be migrated already).
  static Result<std::unique_ptr<RecordWriter>> open(const std::string& data_dir);
  // Writes what is queued, then stops.
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  // Keeps at most `cap` rows in `table` (an INTEGER PRIMARY KEY `id` table whose rows go
  // oldest first): checked after each commit that wrote to it. Call before posting.
  void set_cap(const std::string& table, std::size_t cap);
  std::size_t cap(const std::string& table) const;

  // Queues a job for the writer thread; `table` is the table it writes (for the cap). A
  // job that throws is logged and its transaction's other jobs still commit.
  void post(const std::string& table, Job job);
  // Waits until everything posted before it is committed.
  void flush();

  // Commits so far (each holding one or more jobs), for tests and benchmarks.
  std::uint64_t commits() const;

 private:
  explicit RecordWriter(std::unique_ptr<store::Database> db);
  void run();

  std::unique_ptr<store::Database> db_;
  mutable std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::deque<std::pair<std::string, Job>> queue_;
  std::map<std::string, std::size_t> caps_;
  std::uint64_t posted_ = 0, written_ = 0, commits_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vto::records
