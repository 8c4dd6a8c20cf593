// Header names and the typed header views (RFC 3261 §20): Via, name-addr, CSeq, numbers.
#include "sip/message/headers.h"

#include <array>
#include <initializer_list>

#include "sip/message/text.h"

namespace vto::sip {
namespace {

using text::is_digit;
using text::is_lws;
using text::is_token_char;

constexpr std::array<std::string_view, 34> kCanonical = {
    "",                     // Other
    "Via",                  // Via
    "From",                 // From
    "To",                   // To
    "Call-ID",              // CallId
    "CSeq",                 // CSeq
    "Contact",              // Contact
    "Max-Forwards",         // MaxForwards
    "Content-Length",       // ContentLength
    "Content-Type",         // ContentType
    "Expires",              // Expires
    "Min-Expires",          // MinExpires
    "Route",                // Route
    "Record-Route",         // RecordRoute
    "Authorization",        // Authorization
    "WWW-Authenticate",     // WwwAuthenticate
    "Proxy-Authorization",  // ProxyAuthorization
    "Proxy-Authenticate",   // ProxyAuthenticate
    "Authentication-Info",  // AuthenticationInfo
    "Reason",               // Reason
    "Supported",            // Supported
    "Require",              // Require
    "Proxy-Require",        // ProxyRequire
    "Unsupported",          // Unsupported
    "Allow",                // Allow
    "User-Agent",           // UserAgent
    "Server",               // Server
    "Event",                // Event
    "Date",                 // Date
    "Subject",              // Subject
    "Accept",               // Accept
    "Content-Encoding",     // ContentEncoding
    "Refer-To",             // ReferTo
    "Timestamp",            // Timestamp
};
static_assert(kCanonical.size() == static_cast<std::size_t>(HeaderId::Timestamp) + 1);

HeaderId match(std::string_view name, std::initializer_list<HeaderId> candidates) {
  for (HeaderId id : candidates) {
    const std::string_view c = kCanonical[static_cast<std::size_t>(id)];
    if (c.size() == name.size() && iequals(c, name)) return id;
  }
  return HeaderId::Other;
}

HeaderId compact_id(char c) {
  switch (text::lower(c)) {
    case 'v':
      return HeaderId::Via;
    case 'i':
      return HeaderId::CallId;
    case 'm':
      return HeaderId::Contact;
    case 'f':
      return HeaderId::From;
    case 't':
      return HeaderId::To;
    case 'l':
      return HeaderId::ContentLength;
    case 'c':
      return HeaderId::ContentType;
    case 'k':
      return HeaderId::Supported;
    case 's':
      return HeaderId::Subject;
    case 'e':
      return HeaderId::ContentEncoding;
    case 'o':
      return HeaderId::Event;
    case 'r':
      return HeaderId::ReferTo;
    default:
      return HeaderId::Other;  // "u" (Allow-Events) and others have no id
  }
}

bool parse_via(std::string_view value, Via& via, bool build_params) {
  const std::string_view v = text::trim(value);
  std::size_t i = 0;
  auto skip_lws = [&] {
    while (i < v.size() && is_lws(v[i])) ++i;
  };
  auto token = [&] {
    const std::size_t b = i;
    while (i < v.size() && is_token_char(v[i])) ++i;
    return v.substr(b, i - b);
  };
  auto expect = [&](char c) {
    skip_lws();
    if (i >= v.size() || v[i] != c) return false;
    ++i;
    skip_lws();
    return true;
  };
  const std::size_t proto_begin = i;
  const std::string_view name = token();
  if (name.empty() || !expect('/')) return false;
  const std::string_view version = token();
  const std::size_t proto_end = i;
  if (version.empty() || !expect('/')) return false;
  via.transport = token();
  if (via.transport.empty()) return false;
  const std::string_view written = v.substr(proto_begin, proto_end - proto_begin);
  if (written.size() == name.size() + 1 + version.size()) {
    via.protocol = written;
  } else if (iequals(name, "SIP") && version == "2.0") {
    via.protocol = "SIP/2.0";  // written with LWS around '/': use the canonical form
  } else {
    via.protocol = written;
  }
  const std::size_t before = i;
  skip_lws();
  if (i == before) return false;
  const std::size_t sent_by_begin = i;
  while (i < v.size() && !is_lws(v[i]) && v[i] != ';') ++i;
  via.sent_by_text = v.substr(sent_by_begin, i - sent_by_begin);
  if (!text::parse_host_port(via.sent_by_text, via.host, via.port)) return false;
  skip_lws();
  if (i == v.size()) return true;
  if (v[i] != ';') return false;
  const std::string_view params = v.substr(i + 1);
  if (!build_params) return text::check_params(params);
  auto parsed = Params::parse(params);
  if (!parsed) return false;
  via.params = std::move(*parsed);
  return true;
}

bool parse_name_addr(std::string_view value, NameAddr& out, bool build_params) {
  const std::string_view v = text::trim(value);
  if (v.empty()) return false;
  out.text = v;
  std::size_t i = 0;
  bool angle = false;
  if (v[0] == '"') {
    const std::size_t end = text::skip_quoted(v, 0);
    if (end == std::string_view::npos) return false;
    out.display = v.substr(1, end - 2);
    i = end;
    while (i < v.size() && is_lws(v[i])) ++i;
    if (i >= v.size() || v[i] != '<') return false;
    angle = true;
  } else {
    std::size_t j = 0;
    while (j < v.size() && (is_token_char(v[j]) || is_lws(v[j]))) ++j;
    if (j < v.size() && v[j] == '<') {
      out.display = text::trim(v.substr(0, j));
      i = j;
      angle = true;
    }
  }
  std::size_t after;
  if (angle) {
    const std::size_t close = v.find('>', i);
    if (close == std::string_view::npos) return false;
    auto uri = Uri::parse(v.substr(i + 1, close - i - 1));
    if (!uri) return false;
    out.uri = std::move(*uri);
    after = close + 1;
  } else {
    // addr-spec: a URI holding ',', '?' or ';' must be in <> (RFC 3261 §20), so the
    // first ';' starts the header parameters.
    std::size_t end = 0;
    while (end < v.size() && v[end] != ';' && !is_lws(v[end])) ++end;
    const std::string_view uri_text = v.substr(0, end);
    if (text::find_either(uri_text, ',', '?') != std::string_view::npos) return false;
    auto uri = Uri::parse(uri_text);
    if (!uri) return false;
    out.uri = std::move(*uri);
    after = end;
  }
  while (after < v.size() && is_lws(v[after])) ++after;
  if (after == v.size()) return true;
  if (v[after] != ';') return false;
  const std::string_view params = v.substr(after + 1);
  if (!build_params) return text::check_params(params);
  auto parsed = Params::parse(params);
  if (!parsed) return false;
  out.params = std::move(*parsed);
  return true;
}

}  // namespace

namespace text {
bool check_via(std::string_view value) {
  Via via;
  return parse_via(value, via, false);
}
bool check_name_addr(std::string_view value) {
  NameAddr na;
  return parse_name_addr(value, na, false);
}
}  // namespace text

HeaderId header_id(std::string_view name) {
  if (name.empty()) return HeaderId::Other;
  if (name.size() == 1) return compact_id(name[0]);
  using H = HeaderId;
  switch (text::lower(name[0])) {
    case 'a':
      return match(name, {H::Allow, H::Accept, H::Authorization, H::AuthenticationInfo});
    case 'c':
      return match(name, {H::CallId, H::CSeq, H::Contact, H::ContentLength, H::ContentType,
                          H::ContentEncoding});
    case 'd':
      return match(name, {H::Date});
    case 'e':
      return match(name, {H::Expires, H::Event});
    case 'f':
      return match(name, {H::From});
    case 'm':
      return match(name, {H::MaxForwards, H::MinExpires});
    case 'p':
      return match(name, {H::ProxyAuthorization, H::ProxyAuthenticate, H::ProxyRequire});
    case 'r':
      return match(name, {H::Route, H::RecordRoute, H::Reason, H::Require, H::ReferTo});
    case 's':
      return match(name, {H::Supported, H::Server, H::Subject});
    case 't':
      return match(name, {H::To, H::Timestamp});
    case 'u':
      return match(name, {H::Unsupported, H::UserAgent});
    case 'v':
      return match(name, {H::Via});
    case 'w':
      return match(name, {H::WwwAuthenticate});
    default:
      return H::Other;
  }
}

std::string_view header_name(HeaderId id) {
  const auto i = static_cast<std::size_t>(id);
  return i < kCanonical.size() ? kCanonical[i] : std::string_view{};
}

bool is_list_header(HeaderId id) {
  switch (id) {
    case HeaderId::Via:
    case HeaderId::Contact:
    case HeaderId::Route:
    case HeaderId::RecordRoute:
    case HeaderId::Reason:
    case HeaderId::Supported:
    case HeaderId::Require:
    case HeaderId::ProxyRequire:
    case HeaderId::Unsupported:
    case HeaderId::Allow:
    case HeaderId::Accept:
    case HeaderId::ContentEncoding:
      return true;
    default:
      return false;
  }
}

// ---- Via ----

Result<Via> Via::parse(std::string_view value) {
  Via via;
  if (!parse_via(value, via, true)) return make_error("Malformed Via Header", 400);
  return via;
}

std::string_view Via::branch() const {
  return params.get("branch").value_or("");
}

std::optional<std::string_view> Via::received() const {
  return params.get("received");
}

bool Via::has_rport() const {
  return params.has("rport");
}

std::optional<std::uint16_t> Via::rport() const {
  auto v = params.get("rport");
  if (!v || v->empty()) return std::nullopt;
  auto n = parse_uint(*v, 65535);
  if (!n) return std::nullopt;
  return static_cast<std::uint16_t>(*n);
}

// ---- NameAddr ----

Result<NameAddr> NameAddr::parse(std::string_view value) {
  NameAddr na;
  if (!parse_name_addr(value, na, true)) return make_error("Malformed name-addr", 400);
  return na;
}

std::string_view NameAddr::tag() const {
  return params.get("tag").value_or("");
}

// ---- CSeq ----

Result<CSeq> CSeq::parse(std::string_view value) {
  const std::string_view v = text::trim(value);
  std::size_t i = 0;
  while (i < v.size() && is_digit(v[i])) ++i;
  // RFC 3261 §8.1.1.5: the number is below 2**31.
  auto number = parse_uint(v.substr(0, i), 0x7fffffffu);
  if (!number || i == v.size() || !is_lws(v[i])) return make_error("Malformed CSeq Header", 400);
  const std::string_view method = text::trim(v.substr(i));
  if (!text::is_token(method)) return make_error("Malformed CSeq Header", 400);
  return CSeq{*number, method};
}

// ---- numbers ----

Result<std::uint32_t> parse_uint(std::string_view value, std::uint32_t max) {
  const std::string_view v = text::trim(value);
  if (v.empty()) return make_error("not a number", 400);
  std::uint64_t n = 0;
  for (char c : v) {
    if (!is_digit(c)) return make_error("not a number", 400);
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
    if (n > max) return make_error("number too large", 400);
  }
  return static_cast<std::uint32_t>(n);
}

}  // namespace vto::sip
