#include "store/rules.h"

#include <arpa/inet.h>

#include <algorithm>
#include <optional>
#include <string>

namespace vto::store {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The value as it may appear in a message: quoted, shortened, unprintables as '?'.
std::string quoted(std::string_view value) {
  constexpr std::size_t kMaxShown = 40;
  std::string out = "\"";
  for (char c : value.substr(0, kMaxShown)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (value.size() > kMaxShown) out += "...";
  out += '"';
  return out;
}

Error invalid(std::string_view field, std::string_view value, std::string_view rule) {
  return make_error(std::string(field) + " " + quoted(value) + ": " + std::string(rule),
                    Errc::Invalid);
}

// Counts the code points of valid UTF-8 without control characters; nullopt otherwise.
std::optional<std::size_t> count_text_chars(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++count) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t len = 0;
    char32_t cp = 0;
    if (lead < 0x80) {
      len = 1;
      cp = lead;
    } else if ((lead & 0xe0) == 0xc0) {
      len = 2;
      cp = lead & 0x1f;
    } else if ((lead & 0xf0) == 0xe0) {
      len = 3;
      cp = lead & 0x0f;
    } else if ((lead & 0xf8) == 0xf0) {
      len = 4;
      cp = lead & 0x07;
    } else {
      return std::nullopt;
    }
    if (i + len > text.size()) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cont = static_cast<unsigned char>(text[i + k]);
      if ((cont & 0xc0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cont & 0x3f);
    }
    constexpr char32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return std::nullopt;  // overlong, out of range or a surrogate
    }
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return std::nullopt;  // C0, DEL, C1
    i += len;
  }
  return count;
}

}  // namespace

Result<void> check_vto_number(std::string_view number) {
  if (number.empty() || number.size() > 5 || !std::all_of(number.begin(), number.end(), is_digit)) {
    return invalid("VTO No.", number, "1-5 digits");
  }
  return {};
}

Result<void> check_room_number(std::string_view number) {
  if (number.empty() || number.size() > 6 || !std::all_of(number.begin(), number.end(), is_alnum)) {
    return invalid("room number", number, "1-6 letters or digits");
  }
  if (number == kCentreNumber) {
    return invalid("room number", number, "reserved for the management centre");
  }
  return {};
}

Result<void> check_password(std::string_view field, std::string_view password) {
  const std::string rule = std::to_string(kMinPasswordLength) + "-" +
                           std::to_string(kMaxPasswordLength) +
                           " printable ASCII characters, without spaces, \" or \\";
  const bool chars_ok = std::all_of(password.begin(), password.end(), [](char c) {
    return c > ' ' && c < 0x7f && c != '"' && c != '\\';
  });
  if (password.empty())
    return make_error(std::string(field) + ": required, " + rule, Errc::Invalid);
  if (password.size() < kMinPasswordLength || password.size() > kMaxPasswordLength || !chars_ok) {
    return make_error(std::string(field) + ": " + rule, Errc::Invalid);
  }
  return {};
}

Result<void> check_name(std::string_view field, std::string_view name) {
  const auto chars = count_text_chars(name);
  if (!chars) return invalid(field, name, "valid UTF-8 text without control characters");
  if (*chars > kMaxNameLength) {
    return invalid(field, name, "at most " + std::to_string(kMaxNameLength) + " characters");
  }
  return {};
}

Result<void> check_register_type(std::string_view type) {
  if (type != "public" && type != "local") return invalid("register type", type, "public or local");
  return {};
}

Result<void> check_building_or_unit(std::string_view field, std::string_view value) {
  if (value.size() > 3 || !std::all_of(value.begin(), value.end(), is_digit)) {
    return invalid(field, value, "empty or 1-3 digits");
  }
  return {};
}

Result<void> check_ip(std::string_view ip) {
  if (ip.empty()) return {};
  const std::string text(ip);
  unsigned char buf[sizeof(in6_addr)];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1) {
    return {};
  }
  return invalid("IP address", ip, "empty or an IPv4 or IPv6 address");
}

}  // namespace vto::store
