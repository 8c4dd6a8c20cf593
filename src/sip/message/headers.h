// Typed views of the SIP headers the stack reads (RFC 3261 §20). Each parse()
// works over the header's value as a string_view and copies nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "sip/message/uri.h"

namespace vto::sip {

enum class HeaderId : std::uint8_t {
  Other,
  Via,
  From,
  To,
  CallId,
  CSeq,
  Contact,
  MaxForwards,
  ContentLength,
  ContentType,
  Expires,
  MinExpires,
  Route,
  RecordRoute,
  Authorization,
  WwwAuthenticate,
  ProxyAuthorization,
  ProxyAuthenticate,
  AuthenticationInfo,
  Reason,
  Supported,
  Require,
  ProxyRequire,
  Unsupported,
  Allow,
  UserAgent,
  Server,
  Event,
  Date,
  Subject,
  Accept,
  ContentEncoding,
  ReferTo,
  Timestamp,
};

// Case-insensitive lookup, compact forms included ("v" -> Via, "i" -> CallId, "m" -> Contact,
// "f","t","l","c","k","s","e","o","r","u"...). Unknown names give HeaderId::Other.
HeaderId header_id(std::string_view name);
// The canonical name used when the stack writes the header ("Call-ID", "CSeq", "WWW-Authenticate").
std::string_view header_name(HeaderId id);
// True for headers whose value is a comma-separated list (Via, Contact, Route, Allow, ...).
bool is_list_header(HeaderId id);

// Via: SIP/2.0/UDP host:port;branch=z9hG4bK...;rport
struct Via {
  std::string_view protocol;   // "SIP/2.0"
  std::string_view transport;  // "UDP", "TCP", "TLS", ...
  std::string_view host;       // IPv6 keeps its brackets
  std::uint16_t port = 0;      // 0 when absent
  Params params;

  static Result<Via> parse(std::string_view value);
  std::string_view branch() const;  // empty when absent
  std::optional<std::string_view> received() const;
  bool has_rport() const;
  std::optional<std::uint16_t> rport() const;  // value of rport=, when it has one
  std::string_view sent_by_text;               // "host:port" as written
};

// From, To, Contact, Route, Record-Route: [display] <uri> ;params, or a bare addr-spec.
struct NameAddr {
  std::string_view display;  // without quotes, escapes left as written
  Uri uri;
  Params params;  // header parameters (tag, expires, q, ...), not the URI's
  std::string_view text;

  static Result<NameAddr> parse(std::string_view value);
  std::string_view tag() const;  // empty when absent
};

struct CSeq {
  std::uint32_t number = 0;
  std::string_view method;
  static Result<CSeq> parse(std::string_view value);
};

// Contact can also be "*" (only in REGISTER with Expires: 0).
struct ContactList {
  bool star = false;
  std::vector<NameAddr> contacts;
};

// Parses an unsigned decimal field (Expires, Max-Forwards, Content-Length);
// error for non-digits or values above `max`.
Result<std::uint32_t> parse_uint(std::string_view value, std::uint32_t max);

}  // namespace vto::sip
