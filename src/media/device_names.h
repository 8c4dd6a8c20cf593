// What an ALSA device name given on vtod's command line may contain before it goes into a
// pipeline description: letters, digits and `_ - . : , =` (so `dsnoop:CARD=Device,DEV=0`
// works), at most 128 characters. Internal to src/media.
#pragma once

#include <string_view>

namespace vto::media {

inline bool is_safe_alsa_device(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.' || c == ':' || c == ',' || c == '=';
    if (!ok) return false;
  }
  return true;
}

}  // namespace vto::media
