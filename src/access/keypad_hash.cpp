#include "access/keypad_hash.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace vto::access {
namespace {

// Fixed by the stored hashes: changing them makes every keypad password unknown.
constexpr unsigned long long kOps = 2;
constexpr std::size_t kMemory = 8u * 1024 * 1024;
static_assert(crypto_pwhash_SALTBYTES == KeypadHasher::kKeyBytes);

Error key_error(const std::string& path, const std::string& what) {
  return make_error("keypad key " + path + ": " + what, Errc::Io);
}

}  // namespace

Result<KeypadHasher> KeypadHasher::open(const std::string& data_dir) {
  if (sodium_init() < 0) return make_error("keypad key: libsodium failed to start", Errc::Io);
  const std::string dir = data_dir + "/keys";
  const std::string path = dir + "/keypad.key";
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return key_error(dir, std::strerror(errno));
  std::array<std::uint8_t, kKeyBytes> key{};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    // First use: a new key, written whole before it is linked under its name.
    randombytes_buf(key.data(), key.size());
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
      return KeypadHasher(key);
    }
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // another process made it first
  }
  if (fd < 0) return key_error(path, std::strerror(errno));
  const ssize_t n = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(key.size())) return key_error(path, "not a 16-byte key");
  return KeypadHasher(key);
}

std::string KeypadHasher::hash(std::string_view code) const {
  std::array<unsigned char, 32> out{};
  if (crypto_pwhash(out.data(), out.size(), code.data(), code.size(), key_.data(), kOps, kMemory,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return {};
  }
  std::array<char, 65> hex{};
  sodium_bin2hex(hex.data(), hex.size(), out.data(), out.size());
  return std::string(hex.data());
}

}  // namespace vto::access
