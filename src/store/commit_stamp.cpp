#include "store/commit_stamp.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace vto::store {

CommitStamp::CommitStamp(std::string db_path) : shm_path_(std::move(db_path) + "-shm") {}

CommitStamp::~CommitStamp() {
  if (map_ != nullptr) ::munmap(const_cast<std::uint8_t*>(map_), map_size_);
}

std::optional<CommitStamp::Stamp> CommitStamp::read() {
  if (map_ == nullptr) {
    if (tried_) return std::nullopt;
    const int fd = ::open(shm_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;  // not yet: asked again next time
    struct stat st {};
    // Both copies of the header: SQLite sizes the file in 32 KiB pages, so a shorter one
    // is not (yet) a WAL index.
    if (::fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(2 * kHeaderBytes)) {
      ::close(fd);
      return std::nullopt;
    }
    tried_ = true;
    map_size_ = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    void* p = ::mmap(nullptr, map_size_, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) return std::nullopt;
    map_ = static_cast<const volatile std::uint8_t*>(p);
  }
  Stamp first{};
  Stamp second{};
  for (std::size_t i = 0; i < kHeaderBytes; ++i) first[i] = map_[i];
  std::atomic_thread_fence(std::memory_order_acquire);
  for (std::size_t i = 0; i < kHeaderBytes; ++i) second[i] = map_[kHeaderBytes + i];
  if (first != second) return std::nullopt;  // a writer is halfway through
  return first;
}

}  // namespace vto::store
