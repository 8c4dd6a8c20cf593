#include "core/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/secure_random.h"

namespace vto::core {

namespace {

Error key_error(const std::string& path, const std::string& what) {
  return make_error("key " + path + ": " + what, Errc::Io);
}

}  // namespace

Result<std::vector<std::uint8_t>> read_or_make_key(const std::string& data_dir,
                                                   const std::string& name, std::size_t size) {
  const std::string dir = data_dir + "/keys";
  const std::string path = dir + "/" + name;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return key_error(dir, std::strerror(errno));
  std::vector<std::uint8_t> key(size);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    // First use: a new key, written whole before it is linked under its name.
    SecureRandom().fill(key.data(), key.size());
    const std::string tmp = path + ".new";
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return key_error(tmp, std::strerror(errno));
    const bool written =
        ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written || ::link(tmp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      if (err != EEXIST) return key_error(path, std::strerror(err));
    } else {
      ::unlink(tmp.c_str());
      return key;
    }
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // another process made it first
  }
  if (fd < 0) return key_error(path, std::strerror(errno));
  const ssize_t n = ::read(fd, key.data(), key.size());
  char extra = 0;
  const ssize_t more = ::read(fd, &extra, 1);
  ::close(fd);
  if (n != static_cast<ssize_t>(key.size()) || more != 0)
    return key_error(path, "not a " + std::to_string(size) + "-byte key");
  return key;
}

}  // namespace vto::core
