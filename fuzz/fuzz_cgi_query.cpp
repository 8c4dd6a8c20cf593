// The device family's CGI query strings (compat/cgi_query.h): any text split into key=value
// pairs and decoded, and read as a record finder's time. Properties: at most 64 pairs, no
// "action" among them, a decoded text never longer than its source, and a time that parses
// is within the years the parser allows.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "compat/cgi_query.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto pairs = vto::compat::cgi_pairs(text);
  if (pairs.size() > 64) std::abort();
  for (const auto& [key, value] : pairs) {
    if (key == "action") std::abort();
    if (key.size() + value.size() > text.size()) std::abort();
    if (const auto t = vto::compat::cgi_time(value)) {
      if (*t < -86400 || *t > 4200000000LL) std::abort();
    }
  }
  if (vto::compat::cgi_decode(text).size() > text.size()) std::abort();
  return 0;
}
