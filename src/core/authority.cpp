#include "core/authority.h"

#include <charconv>

namespace vto::core {

Result<Authority> split_authority(std::string_view text) {
  Authority a;
  std::string_view port;
  bool has_port = false;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos)
      return make_error("an IPv6 address needs [ ]", Errc::Invalid);
    a.host = std::string(text.substr(1, close - 1));
    const std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return make_error("unexpected text after the host", Errc::Invalid);
      port = after.substr(1);
      has_port = true;
    }
  } else if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    if (text.find(':', colon + 1) != std::string_view::npos)
      return make_error("an IPv6 address needs [ ]", Errc::Invalid);
    a.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    has_port = true;
  } else {
    a.host = std::string(text);
  }
  if (has_port) {
    unsigned p = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || p == 0 ||
        p > 65535)
      return make_error("port must be 1 to 65535", Errc::Invalid);
    a.port = static_cast<std::uint16_t>(p);
  }
  return a;
}

}  // namespace vto::core
