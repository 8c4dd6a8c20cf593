// Character classes and scanning helpers shared by the SIP message parser (internal to
// src/sip/message, not part of its public API). Everything works on string_views and
// never reads past their end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vto::sip::text {

inline bool is_ws(char c) {
  return c == ' ' || c == '\t';
}
inline bool is_lws(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
inline bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool is_alnum(char c) {
  return is_alpha(c) || is_digit(c);
}
inline bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
inline char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}
inline int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  return lower(c) - 'a' + 10;
}

// Character classes of RFC 3261 §25.1, one table lookup each.
enum CharClass : std::uint16_t {
  kToken = 1 << 0,        // alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
  kUnreserved = 1 << 1,   // alphanum / mark
  kParam = 1 << 2,        // parameter name: token / param-unreserved
  kParamValue = 1 << 3,   // unquoted parameter value
  kUser = 1 << 4,         // URI user part (escapes included)
  kPassword = 1 << 5,     // URI password
  kUriHeader = 1 << 6,    // URI headers after '?'
  kHost = 1 << 7,         // hostname / IPv4 ("_" tolerated)
  kCallId = 1 << 8,       // Call-ID word characters
  kUriChar = 1 << 10,     // printable ASCII but for SP, '<', '>' and '"'
  kListSpecial = 1 << 9,  // '"', '<', '>', ',' and ';': what list and parameter scans stop at
};

struct CharTable {
  std::uint16_t bits[256] = {};
  constexpr void add(std::string_view chars, std::uint16_t cls) {
    for (char c : chars) bits[static_cast<unsigned char>(c)] |= cls;
  }
  constexpr CharTable() {
    for (int c = 0x21; c < 0x7f; ++c) {
      if (c != '<' && c != '>' && c != '"') bits[c] |= kUriChar;
    }
    constexpr std::string_view kAlnum =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    add(kAlnum, kToken | kUnreserved | kParam | kParamValue | kUser | kPassword | kUriHeader |
                    kHost | kCallId);
    add("-.!%*_+`'~", kToken | kParam | kParamValue | kCallId);
    add("-_.!~*'()", kUnreserved | kUser | kPassword | kUriHeader);
    add("[]/:&+$()", kParam | kParamValue);
    add("@=", kParamValue);
    add("%&=+$,;?/", kUser);
    add("%&=+$,", kPassword);
    add("%[]/?:+$=&", kUriHeader);
    add("-._", kHost);
    add("()<>:\\\"/[]?{}", kCallId);
    add("\"<>,;", kListSpecial);
  }
};
inline constexpr CharTable kChars{};

inline bool has_class(char c, std::uint16_t cls) {
  return (kChars.bits[static_cast<unsigned char>(c)] & cls) != 0;
}
inline bool all_in_class(std::string_view s, std::uint16_t cls) {
  for (char c : s) {
    if (!has_class(c, cls)) return false;
  }
  return true;
}
inline bool is_token_char(char c) {
  return has_class(c, kToken);
}
inline bool is_unreserved(char c) {
  return has_class(c, kUnreserved);
}

inline bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

inline std::string_view trim(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && is_lws(s[b])) ++b;
  while (e > b && is_lws(s[e - 1])) --e;
  return s.substr(b, e - b);
}

inline std::string_view trim_left(std::string_view s) {
  std::size_t b = 0;
  while (b < s.size() && is_lws(s[b])) ++b;
  return s.substr(b);
}

// Index just past the closing quote of the quoted string opening at s[pos] ('"'),
// honouring backslash escapes; npos when it is not terminated.
inline std::size_t skip_quoted(std::string_view s, std::size_t pos) {
  for (std::size_t i = pos + 1; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Position of the first `sep` (',' or ';') outside quoted strings and <...>, or npos.
// `ok` is set false when a quoted string is not terminated.
inline std::size_t find_top_level(std::string_view s, char sep, bool& ok) {
  ok = true;
  bool in_angle = false;
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n; ++i) {
    while (i < n && !has_class(s[i], kListSpecial)) ++i;
    if (i == n) break;
    const char c = s[i];
    if (c == '"') {
      const std::size_t end = skip_quoted(s, i);
      if (end == std::string_view::npos) {
        ok = false;
        return std::string_view::npos;
      }
      i = end - 1;
    } else if (c == '<') {
      in_angle = true;
    } else if (c == '>') {
      in_angle = false;
    } else if (c == sep && !in_angle) {
      return i;
    }
  }
  return std::string_view::npos;
}

// Position of the first of two characters, or npos (string_view::find_first_of calls
// memchr once per character).
inline std::size_t find_either(std::string_view s, char a, char b) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == a || s[i] == b) return i;
  }
  return std::string_view::npos;
}

// Calls f(item) for each comma-separated item of a list header value, trimmed (empty
// items included). Returns false for an unterminated quoted string.
template <class F>
bool for_each_item(std::string_view value, F&& f) {
  std::string_view rest = value;
  while (true) {
    bool ok = true;
    const std::size_t comma = find_top_level(rest, ',', ok);
    if (!ok) return false;
    if (comma == std::string_view::npos) {
      f(trim(rest));
      return true;
    }
    f(trim(rest.substr(0, comma)));
    rest = rest.substr(comma + 1);
  }
}

// Call-ID = word ["@" word] (RFC 3261 §25.1).
inline bool valid_call_id(std::string_view v) {
  if (v.empty() || v.front() == '@' || v.back() == '@') return false;
  int ats = 0;
  for (char c : v) {
    if (c == '@') {
      ++ats;
    } else if (!has_class(c, kCallId)) {
      return false;
    }
  }
  return ats <= 1;
}

// Validates parameter text (the part after the first ';') without storing anything;
// the same rules as Params::parse, which would allocate. Defined in uri.cpp.
bool check_params(std::string_view text);
// Parses "host[:port]" (host may be an IPv6 reference in brackets). Defined in uri.cpp.
bool parse_host_port(std::string_view s, std::string_view& host, std::uint16_t& port);

// Validation-only forms of Via::parse and NameAddr::parse, for Message::parse: the same
// rules, but the parameters are checked rather than stored (no allocation). In headers.cpp.
bool check_via(std::string_view value);
bool check_name_addr(std::string_view value);

}  // namespace vto::sip::text
