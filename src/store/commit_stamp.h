// Whether any connection, in any process, committed to the database since last asked,
// without a system call: the WAL-index header of a database in WAL mode (the first 48
// bytes of its "-shm" file, kept twice; see the "WAL-index format" in SQLite's file format
// documentation) changes at every commit and checkpoint. It is mapped read-only and read
// as SQLite's own readers do: both copies, equal when no writer was halfway through.
//
// A stamp that cannot be read (no -shm file yet, the copies differ at that instant, a
// database not in WAL mode) is nullopt: the caller then asks SQLite itself.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace vto::store {

class CommitStamp {
 public:
  static constexpr std::size_t kHeaderBytes = 48;
  using Stamp = std::array<std::uint8_t, kHeaderBytes>;

  // `db_path`: the database file; its "-shm" file is mapped at the first read() that finds
  // it (a connection in WAL mode has read the database by then).
  explicit CommitStamp(std::string db_path);
  ~CommitStamp();
  CommitStamp(const CommitStamp&) = delete;
  CommitStamp& operator=(const CommitStamp&) = delete;

  std::optional<Stamp> read();

 private:
  std::string shm_path_;
  const volatile std::uint8_t* map_ = nullptr;
  std::size_t map_size_ = 0;
  bool tried_ = false;
};

}  // namespace vto::store
