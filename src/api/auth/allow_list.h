// The IP allow-list of the web interface: the addresses and networks that
// may connect, as "192.168.1.0/24", "10.0.0.5" or "fd00::/8". An empty list allows everyone.
//
// Loopback (127.0.0.0/8 and ::1) is always allowed, listed or not: a mistake in the list
// must never lock out the station's own tools (vtoctl, a shell on the device), which is
// the way back in. An IPv4-mapped IPv6 client (::ffff:a.b.c.d, as a dual-stack socket
// reports it) is matched as the IPv4 address it carries.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace vto::api {

class AllowList {
 public:
  static constexpr std::size_t kMaxEntries = 64;

  AllowList() = default;  // empty: everyone

  // Each entry an address or address/prefix (blanks around it ignored). Host bits under
  // the prefix are cleared ("192.168.1.7/24" is 192.168.1.0/24) and duplicates dropped.
  // Errors are Errc::Invalid naming the entry: "allow_list[2]: not an address or
  // address/prefix".
  static Result<AllowList> parse(const std::vector<std::string>& entries);

  // Whether a client at `ip` (numeric, as a socket reports it; an IPv6 zone "%eth0" is
  // ignored) may connect. Text that is no address is refused unless the list is empty.
  bool allows(std::string_view ip) const;

  bool empty() const { return ranges_.empty(); }
  // The entries in normal form: "10.0.0.5", "192.168.1.0/24", "fd00::/8".
  std::vector<std::string> entries() const;

  bool operator==(const AllowList&) const = default;

 private:
  struct Range {
    bool v6 = false;
    std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4
    int prefix = 0;                        // 0..32 or 0..128
    bool operator==(const Range&) const = default;
  };
  std::vector<Range> ranges_;
};

}  // namespace vto::api
