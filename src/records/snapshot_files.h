// The JPEG snapshots of call records: one directory of files named call-<record id>.jpg.
// Only such names in that directory are ever written or deleted here, whatever path a
// record holds. No state changes after open(): a copy may work on another thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "records/call_records.h"

namespace vto::records {

// 42 for "call-42.jpg"; nothing for any other name.
std::optional<std::int64_t> snapshot_file_id(std::string_view file_name);

class SnapshotFiles {
 public:
  // Bounds of one sweep: directory entries looked at, files removed. The rest waits for
  // the next start.
  static constexpr std::size_t kSweepMaxEntries = 300000;
  static constexpr std::size_t kSweepMaxRemovals = 10000;

  // The directory `dir`, made (mode 0700) if missing; an error when it cannot be.
  static Result<SnapshotFiles> open(const std::string& dir);

  const std::string& dir() const { return dir_; }
  // <dir>/call-<id>.jpg, as written in the record.
  std::string path_of(std::int64_t id) const;

  // Writes the record's snapshot through a temporary file (call-<id>.jpg.tmp), synced and
  // renamed over the name, so that a reader never sees half a file and a crash leaves the
  // old one or the new one. Mode 0640. Slow on an SD card: not for the core thread.
  Result<void> write(std::int64_t id, const std::vector<std::uint8_t>& jpeg) const;

  // Deletes the file a record's snapshot_path names, if it is a call-<digits>.jpg whose
  // canonical parent is this directory; any other path is refused (false), and so is a
  // file that is already gone.
  bool remove(const std::string& snapshot_path) const;

  // Deletes the files no record accounts for, and returns how many: call-<id>.jpg whose
  // record is not in `records` (CallRecords::snapshot_links(), ascending ids) or names no
  // snapshot (a crash between the rename and the record's update), and call-<digits>.jpg.tmp
  // left by an interrupted write. Must not run beside a write().
  std::size_t sweep(const std::vector<SnapshotLink>& records,
                    std::size_t max_entries = kSweepMaxEntries,
                    std::size_t max_removals = kSweepMaxRemovals) const;

 private:
  SnapshotFiles(std::string dir, std::string canonical)
      : dir_(std::move(dir)), canonical_(std::move(canonical)) {}

  std::string dir_;        // as configured: the paths written in records
  std::string canonical_;  // symlinks resolved: what a stored path's parent must be
};

}  // namespace vto::records
