// SIP URI (RFC 3261 §19.1) parsed over a string_view: no copy. A Uri stays valid
// only while the text it was parsed from is alive.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace vto::sip {

struct Param {
  std::string_view name;
  std::string_view value;  // empty when the parameter has no value ("lr")
  bool has_value = false;
};

// Parameters ";a=b;c" as they appear after a URI, a Via or a name-addr.
// Lookups are case-insensitive on the name.
class Params {
 public:
  // Parses the text after the first ';' (e.g. "transport=tcp;lr"). Quoted values keep their quotes.
  static Result<Params> parse(std::string_view text);
  std::optional<std::string_view> get(std::string_view name) const;  // nullopt when absent
  bool has(std::string_view name) const;
  const std::vector<Param>& items() const { return items_; }

 private:
  std::vector<Param> items_;
};

class Uri {
 public:
  // Accepts sip:, sips: and tel:; other absolute URIs parse with scheme() set and
  // opaque() holding the rest, so a proxy can answer 416 instead of 400.
  static Result<Uri> parse(std::string_view text);

  std::string_view scheme() const { return scheme_; }  // lower-case compare with iequals
  bool is_sip() const;                                 // sip: or sips:
  bool secure() const;                                 // sips:
  std::string_view user() const { return user_; }      // as written, still %-escaped
  std::string user_unescaped() const;                  // "101%230" -> "101#0"
  std::string_view password() const { return password_; }
  std::string_view host() const { return host_; }  // IPv6 with brackets: "[::1]"
  std::uint16_t port() const { return port_; }     // 0 when absent
  const Params& params() const { return params_; }
  std::string_view headers() const { return headers_; }  // after '?', without it
  std::string_view opaque() const { return opaque_; }
  std::string_view text() const { return text_; }  // the whole URI as parsed

  // host[:port] as written, e.g. "127.0.0.1:5060".
  std::string host_port() const;

 private:
  std::string_view text_, scheme_, user_, password_, host_, headers_, opaque_;
  std::uint16_t port_ = 0;
  Params params_;
};

// %XX-decoding of a URI component; nullopt for a bad escape or an escaped NUL.
std::optional<std::string> unescape(std::string_view text);
// Escapes the characters not allowed unescaped in a SIP URI user part ('#' -> "%23").
std::string escape_user(std::string_view user);
// Case-insensitive ASCII comparison.
bool iequals(std::string_view a, std::string_view b);

}  // namespace vto::sip
