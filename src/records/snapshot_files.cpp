#include "records/snapshot_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace vto::records {
namespace {

constexpr std::string_view kPrefix = "call-";
constexpr std::string_view kSuffix = ".jpg";
constexpr std::string_view kTempSuffix = ".tmp";
constexpr mode_t kFileMode = 0640;

const SnapshotLink* find_record(const std::vector<SnapshotLink>& records, std::int64_t id) {
  auto it = std::lower_bound(records.begin(), records.end(), id,
                             [](const SnapshotLink& link, std::int64_t v) { return link.id < v; });
  return it != records.end() && it->id == id ? &*it : nullptr;
}

}  // namespace

std::optional<std::int64_t> snapshot_file_id(std::string_view name) {
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
  const std::string_view digits =
      name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  std::int64_t id = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

Result<SnapshotFiles> SnapshotFiles::open(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec) && ::mkdir(dir.c_str(), 0700) != 0) {
    return make_error("snapshot directory " + dir + ": " + std::strerror(errno));
  }
  auto canonical = std::filesystem::canonical(dir, ec);
  if (ec) return make_error("snapshot directory " + dir + ": " + ec.message());
  return SnapshotFiles(dir, canonical.string());
}

std::string SnapshotFiles::path_of(std::int64_t id) const {
  return (std::filesystem::path(dir_) / (std::string(kPrefix) + std::to_string(id) + ".jpg"))
      .string();
}

Result<void> SnapshotFiles::write(std::int64_t id, const std::vector<std::uint8_t>& jpeg) const {
  const std::string path = path_of(id);
  const std::string temp = path + std::string(kTempSuffix);
  auto failed = [&](const std::string& what) {
    const std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    return make_error(temp + ": " + what + ": " + reason);
  };
  const int fd =
      ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, kFileMode);
  if (fd < 0) return make_error(temp + ": " + std::strerror(errno));
  std::size_t written = 0;
  while (written < jpeg.size()) {
    const ssize_t n = ::write(fd, jpeg.data() + written, jpeg.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return failed("write");
    }
    written += static_cast<std::size_t>(n);
  }
  // The umask must not narrow the mode; the data reaches the disk before the name does.
  if (::fchmod(fd, kFileMode) != 0 || ::fdatasync(fd) != 0) {
    ::close(fd);
    return failed("sync");
  }
  if (::close(fd) != 0) return failed("close");
  if (::rename(temp.c_str(), path.c_str()) != 0) return failed("rename");
  return {};
}

bool SnapshotFiles::remove(const std::string& snapshot_path) const {
  const std::filesystem::path path(snapshot_path);
  const std::string name = path.filename().string();
  if (!snapshot_file_id(name)) return false;
  std::error_code ec;
  const auto parent = std::filesystem::canonical(path.parent_path(), ec);
  if (ec || parent.string() != canonical_) return false;
  // By the checked directory and name: unlink() does not follow a final symlink.
  return ::unlink((std::filesystem::path(canonical_) / name).c_str()) == 0;
}

std::size_t SnapshotFiles::sweep(const std::vector<SnapshotLink>& records, std::size_t max_entries,
                                 std::size_t max_removals) const {
  std::size_t removed = 0;
  std::error_code ec;
  std::filesystem::directory_iterator it(canonical_, ec);
  const std::filesystem::directory_iterator end;
  for (std::size_t seen = 0; !ec && it != end && seen < max_entries && removed < max_removals;
       it.increment(ec), ++seen) {
    const std::string name = it->path().filename().string();
    bool orphan = false;
    if (auto id = snapshot_file_id(name)) {
      const SnapshotLink* record = find_record(records, *id);
      orphan = record == nullptr || !record->has_snapshot;
    } else if (name.ends_with(kTempSuffix)) {
      const std::string_view stem(name.data(), name.size() - kTempSuffix.size());
      orphan = snapshot_file_id(stem).has_value();
    }
    if (orphan && ::unlink(it->path().c_str()) == 0) ++removed;
  }
  return removed;
}

}  // namespace vto::records
