// Query strings of HTTP requests ("aor=101%23&x=1"): finding and decoding one parameter.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace vto::web {

// The value of one hex digit ('0'-'9', 'a'-'f', 'A'-'F'), -1 for anything else.
int hex_digit(char c);

// The decoded value of parameter `name` (%XX escapes and '+' for space), nullopt when
// the query has no such parameter, an error for a bad or NUL escape.
Result<std::optional<std::string>> query_param(std::string_view query, std::string_view name);

}  // namespace vto::web
