// Digest header values (RFC 7616 §3.3-3.4, RFC 3261 §25.1): parsing and formatting
// of challenges (WWW-Authenticate / Proxy-Authenticate) and credentials
// (Authorization / Proxy-Authorization). A small parser of its own so that
// sip/auth does not depend on sip/message. Bounded: oversized values, too many
// parameters, duplicates, unterminated quotes and control characters are errors.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace vto::sip::auth {

inline constexpr std::size_t kMaxDigestHeaderSize = 8192;
inline constexpr std::size_t kMaxDigestParams = 24;
inline constexpr std::size_t kMaxDigestValueSize = 2048;

// Values are unquoted and unescaped; absent parameters are empty strings.
// The username is kept as sent (e.g. "101#0" or the escaped "101%230").
struct Credentials {
  std::string username;
  std::string realm;
  std::string nonce;
  std::string uri;
  std::string response;
  std::string algorithm;  // as sent; empty means MD5
  std::string cnonce;
  std::string opaque;
  std::string qop;
  std::string nc;
  bool userhash = false;
};

struct Challenge {
  std::string realm;
  std::string nonce;
  std::string opaque;
  std::string algorithm;  // as sent; empty means MD5
  std::string qop;        // the raw list, e.g. "auth,auth-int"; empty: RFC 2069 server
  std::string domain;
  bool stale = false;
};

// `Digest username="...", ...`. Needs username, realm, nonce, uri and response,
// and nc and cnonce when qop is present.
Result<Credentials> parse_credentials(std::string_view header_value);
// `Digest realm="...", nonce="...", ...`. Needs realm and nonce. A following
// challenge of another scheme in the same value (`..., Basic realm=...`) is ignored.
Result<Challenge> parse_challenge(std::string_view header_value);

// True when the comma-separated qop list holds `option` (e.g. "auth").
bool qop_offers(std::string_view qop_list, std::string_view option);

// `"text"` with '"' and '\' escaped.
std::string quote(std::string_view text);
// Header values in the order peers expect; empty optional parameters are left out.
std::string format_challenge(const Challenge& challenge);
std::string format_credentials(const Credentials& credentials);

}  // namespace vto::sip::auth
