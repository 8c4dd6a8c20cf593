#include "records/record_writer.h"

#include <SQLiteCpp/Transaction.h>

#include <set>
#include <vector>

#include "core/log.h"

namespace vto::records {

Result<std::unique_ptr<RecordWriter>> RecordWriter::open(const std::string& data_dir) {
  auto db = store::Database::open(data_dir);
  if (!db) return db.error();
  // Records may lose the last moments before a power cut, never the database's integrity.
  (*db)->connection().exec("PRAGMA synchronous=NORMAL");
  return std::unique_ptr<RecordWriter>(new RecordWriter(std::move(*db)));
}

RecordWriter::RecordWriter(std::unique_ptr<store::Database> db)
    : db_(std::move(db)), thread_([this] { run(); }) {}

RecordWriter::~RecordWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void RecordWriter::set_cap(const std::string& table, std::size_t cap) {
  std::lock_guard lock(mutex_);
  caps_[table] = cap == 0 ? 1 : cap;
}

std::size_t RecordWriter::cap(const std::string& table) const {
  std::lock_guard lock(mutex_);
  auto it = caps_.find(table);
  return it == caps_.end() ? 0 : it->second;
}

void RecordWriter::post(const std::string& table, Job job) {
  {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(table, std::move(job));
    ++posted_;
  }
  wake_.notify_one();
}

void RecordWriter::flush() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = posted_;
  done_.wait(lock, [&] { return written_ >= target; });
}

std::uint64_t RecordWriter::commits() const {
  std::lock_guard lock(mutex_);
  return commits_;
}

void RecordWriter::run() {
  auto log = core::logger("records");
  for (;;) {
    std::deque<std::pair<std::string, Job>> batch;
    std::map<std::string, std::size_t> caps;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left
      batch.swap(queue_);
      caps = caps_;
    }
    std::set<std::string> tables;
    try {
      auto& db = db_->connection();
      SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
      for (auto& [table, job] : batch) {
        try {
          job(db);
          tables.insert(table);
        } catch (const std::exception& e) {
          log->error("record for {} not written: {}", table, e.what());
        }
      }
      for (const std::string& table : tables) {
        auto it = caps.find(table);
        if (it == caps.end()) continue;
        // Ids grow by one per row and rows only go oldest first: the newest `cap` rows are
        // those with an id above max(id) - cap.
        db.exec("DELETE FROM " + table + " WHERE id <= (SELECT max(id) FROM " + table + ") - " +
                std::to_string(it->second));
      }
      tx.commit();
    } catch (const std::exception& e) {
      log->error("{} record(s) not written: {}", batch.size(), e.what());
    }
    {
      std::lock_guard lock(mutex_);
      written_ += batch.size();
      ++commits_;
    }
    done_.notify_all();
  }
}

}  // namespace vto::records
