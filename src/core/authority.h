// The authority of a URL or a Host header: "host", "host:port", "[v6]" or "[v6]:port".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace vto::core {

struct Authority {
  std::string host;                   // without the brackets of an IPv6 address
  std::optional<std::uint16_t> port;  // none when not given
};

// Errc::Invalid: "an IPv6 address needs [ ]", "unexpected text after the host", "port must
// be 1 to 65535". The host may be empty (the caller says whether that is allowed).
Result<Authority> split_authority(std::string_view text);

}  // namespace vto::core
