// Query strings of HTTP requests ("aor=101%23&x=1"): finding and decoding one parameter.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace vto::web {

// The decoded value of parameter `name` (%XX escapes and '+' for space), nullopt when
// the query has no such parameter, an error for a bad or NUL escape.
Result<std::optional<std::string>> query_param(std::string_view query, std::string_view name);

}  // namespace vto::web
