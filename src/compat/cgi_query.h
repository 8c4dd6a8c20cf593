// The query strings of the device family's CGI requests: every key=value pair
// ("setConfig&Encode[0].MainFormat[0].Video.BitRate=1536"), %XX and '+' decoded, and the
// record finder's times. Depends on web/query only: fuzzed (fuzz_cgi_query).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vto::compat {

// %XX (hex) and '+' decoded; a '%' without two hex digits is kept as it is.
std::string cgi_decode(std::string_view text);
// Every key=value pair of the query but `action`, in order, at most 64.
std::vector<std::pair<std::string, std::string>> cgi_pairs(std::string_view query);
// "YYYY-MM-DD HH:MM:SS" in the station's local time as unix seconds; nothing otherwise.
std::optional<std::int64_t> cgi_time(std::string_view text);

}  // namespace vto::compat
