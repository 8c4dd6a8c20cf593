#include "api/auth/allow_list.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <optional>

namespace vto::api {
namespace {

struct Address {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};
};

// a.b.c.d or an IPv6 address, nothing else (no zone, no prefix, no blanks).
std::optional<Address> parse_address(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  const std::string nul_terminated(text);
  Address a;
  if (inet_pton(AF_INET, nul_terminated.c_str(), a.bytes.data()) == 1) return a;
  if (inet_pton(AF_INET6, nul_terminated.c_str(), a.bytes.data()) == 1) {
    a.v6 = true;
    return a;
  }
  return std::nullopt;
}

bool is_v4_mapped(const Address& a) {
  return a.v6 &&
         std::all_of(a.bytes.begin(), a.bytes.begin() + 10, [](auto b) { return b == 0; }) &&
         a.bytes[10] == 0xff && a.bytes[11] == 0xff;
}

Address unmapped(const Address& a) {
  Address v4;
  std::copy(a.bytes.begin() + 12, a.bytes.end(), v4.bytes.begin());
  return v4;
}

// Whether the first `prefix` bits of `a` and `b` are equal.
bool same_prefix(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                 int prefix) {
  const int whole = prefix / 8;
  if (!std::equal(a.begin(), a.begin() + whole, b.begin())) return false;
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

void clear_host_bits(std::array<std::uint8_t, 16>& bytes, int prefix) {
  for (int bit = prefix; bit < 128; ++bit) {
    bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
  }
}

std::string_view trimmed(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

Error invalid(std::size_t index, const std::string& message) {
  return make_error("allow_list[" + std::to_string(index) + "]: " + message, Errc::Invalid);
}

}  // namespace

Result<AllowList> AllowList::parse(const std::vector<std::string>& entries) {
  if (entries.size() > kMaxEntries) {
    return make_error("allow_list: at most " + std::to_string(kMaxEntries) + " entries",
                      Errc::Invalid);
  }
  AllowList list;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string_view entry = trimmed(entries[i]);
    if (entry.empty()) return invalid(i, "empty");
    const auto slash = entry.find('/');
    auto address = parse_address(entry.substr(0, slash));
    if (!address) return invalid(i, "not an address or address/prefix");
    const int bits = address->v6 ? 128 : 32;
    int prefix = bits;
    if (slash != std::string_view::npos) {
      const std::string_view digits = entry.substr(slash + 1);
      const char* end = digits.data() + digits.size();
      auto [ptr, ec] = std::from_chars(digits.data(), end, prefix);
      if (digits.empty() || digits.size() > 3 || ec != std::errc() || ptr != end || prefix < 0 ||
          prefix > bits) {
        return invalid(i, "the prefix after '/' must be 0 to " + std::to_string(bits));
      }
    }
    // ::ffff:a.b.c.d/N is the IPv4 network a.b.c.d/(N-96), which is how clients match.
    if (is_v4_mapped(*address) && prefix >= 96) {
      address = unmapped(*address);
      prefix -= 96;
    }
    Range r{address->v6, address->bytes, prefix};
    clear_host_bits(r.bytes, prefix);
    if (std::find(list.ranges_.begin(), list.ranges_.end(), r) == list.ranges_.end()) {
      list.ranges_.push_back(r);
    }
  }
  return list;
}

bool AllowList::allows(std::string_view ip) const {
  if (ranges_.empty()) return true;
  auto address = parse_address(ip.substr(0, ip.find('%')));
  if (!address) return false;
  // A mapped client is matched as IPv4, and as IPv6 too (so that "::/0" means every client
  // a dual-stack socket reports in IPv6 form).
  const std::optional<Address> v4 =
      address->v6 ? (is_v4_mapped(*address) ? std::optional(unmapped(*address)) : std::nullopt)
                  : address;
  if (v4 && v4->bytes[0] == 127) return true;
  if (address->v6 && !v4) {
    static constexpr std::array<std::uint8_t, 16> kLoopback6{0, 0, 0, 0, 0, 0, 0, 0,
                                                             0, 0, 0, 0, 0, 0, 0, 1};
    if (address->bytes == kLoopback6) return true;
  }
  return std::any_of(ranges_.begin(), ranges_.end(), [&](const Range& r) {
    if (!r.v6) return v4 && same_prefix(r.bytes, v4->bytes, r.prefix);
    return address->v6 && same_prefix(r.bytes, address->bytes, r.prefix);
  });
}

std::vector<std::string> AllowList::entries() const {
  std::vector<std::string> out;
  for (const Range& r : ranges_) {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(r.v6 ? AF_INET6 : AF_INET, r.bytes.data(), text, sizeof text);
    std::string entry = text;
    if (r.prefix != (r.v6 ? 128 : 32)) entry += "/" + std::to_string(r.prefix);
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace vto::api
