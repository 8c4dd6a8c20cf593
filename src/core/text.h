// Small text helpers shared by subsystems that must not depend on each other.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace vto::core {

// Case-insensitive comparison of ASCII text (protocol tokens, not user text).
inline bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Text from a stranger made fit for a log line: control characters become '?', and at
// most `max` bytes are kept (cut before a UTF-8 continuation byte, so no half letter).
// Control characters (a stranger's line breaks, escapes) replaced by '?', in place.
inline void replace_controls(std::string& text) {
  for (char& c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
}

// Bytes as hex digits, two a byte: lower case (digests, nonces, tags) or upper case.
inline std::string hex(std::span<const unsigned char> bytes, bool upper = false) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0x0f];
  }
  return out;
}

inline std::string printable(std::string_view text, std::size_t max) {
  if (text.size() > max) {
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut);
  }
  std::string out(text);
  replace_controls(out);
  return out;
}

}  // namespace vto::core
