// SIP URI and parameter parsing (RFC 3261 §19.1, §25.1): views only, no copies.
#include "sip/message/uri.h"

#include <charconv>

#include "sip/message/text.h"

namespace vto::sip {
namespace {

using text::is_alnum;
using text::is_alpha;
using text::is_digit;
using text::is_hex;

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

bool is_param_char(char c) {
  return text::has_class(c, text::kParam);
}
bool is_param_value_char(char c) {
  return text::has_class(c, text::kParamValue);
}

// Scans ";"-separated parameters in one pass, calling on_param(name, value, has_value)
// for each. LWS is allowed around ';' and '=' (RFC 3261 SEMI, EQUAL).
template <class F>
bool scan_params(std::string_view s, F&& on_param) {
  const std::size_t n = s.size();
  std::size_t i = 0;
  auto skip_lws = [&] {
    while (i < n && text::is_lws(s[i])) ++i;
  };
  while (true) {
    skip_lws();
    const std::size_t name_begin = i;
    while (i < n && is_param_char(s[i])) ++i;
    const std::string_view name = s.substr(name_begin, i - name_begin);
    if (name.empty()) return false;
    skip_lws();
    std::string_view value;
    bool has_value = false;
    if (i < n && s[i] == '=') {
      ++i;
      skip_lws();
      has_value = true;
      const std::size_t value_begin = i;
      if (i < n && s[i] == '"') {
        i = text::skip_quoted(s, i);
        if (i == std::string_view::npos) return false;
      } else {
        while (i < n && is_param_value_char(s[i])) ++i;
        if (i == value_begin) return false;
      }
      value = s.substr(value_begin, i - value_begin);
      skip_lws();
    }
    on_param(name, value, has_value);
    if (i == n) return true;
    if (s[i] != ';') return false;
    ++i;
  }
}

bool is_user_char(char c) {
  return text::has_class(c, text::kUser);
}

// Every '%' starts a two-hex-digit escape.
bool escapes_valid(std::string_view s) {
  for (std::size_t i = s.find('%'); i != std::string_view::npos; i = s.find('%', i + 3)) {
    if (i + 2 >= s.size()) return false;
    if (!is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
  }
  return true;
}

bool valid_hostname(std::string_view host) {
  return !host.empty() && text::all_in_class(host, text::kHost);
}

bool valid_ipv6_reference(std::string_view host) {
  if (host.size() < 3 || host.front() != '[' || host.back() != ']') return false;
  for (char c : host.substr(1, host.size() - 2)) {
    if (!is_hex(c) && c != ':' && c != '.') return false;
  }
  return true;
}

}  // namespace

namespace text {
bool check_params(std::string_view params) {
  return scan_params(params, [](std::string_view, std::string_view, bool) {});
}
}  // namespace text

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = a[i];
    const char y = b[i];
    if (x == y) continue;
    // Differing only in bit 0x20 is a case difference when it is a letter.
    if ((x | 0x20) != (y | 0x20) || !is_alpha(x)) return false;
  }
  return true;
}

// ---- Params ----

Result<Params> Params::parse(std::string_view params_text) {
  Params out;
  const bool ok = scan_params(params_text, [&](std::string_view n, std::string_view v, bool h) {
    out.items_.push_back(Param{n, v, h});
  });
  if (!ok) return make_error("malformed parameters", 400);
  return out;
}

std::optional<std::string_view> Params::get(std::string_view name) const {
  for (const Param& p : items_) {
    if (iequals(p.name, name)) return p.value;
  }
  return std::nullopt;
}

bool Params::has(std::string_view name) const {
  return get(name).has_value();
}

// ---- host:port ----

namespace text {

bool parse_host_port(std::string_view s, std::string_view& host, std::uint16_t& port) {
  std::size_t host_end;
  if (!s.empty() && s.front() == '[') {
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos) return false;
    host_end = close + 1;
    host = s.substr(0, host_end);
    if (!valid_ipv6_reference(host)) return false;
  } else {
    host_end = s.find(':');
    if (host_end == std::string_view::npos) host_end = s.size();
    host = s.substr(0, host_end);
    if (!valid_hostname(host)) return false;
  }
  port = 0;
  if (host_end == s.size()) return true;
  if (s[host_end] != ':') return false;
  const std::string_view digits = s.substr(host_end + 1);
  if (digits.empty() || digits.size() > 5 || !all_digits(digits)) return false;
  unsigned value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace text

// ---- Uri ----

Result<Uri> Uri::parse(std::string_view uri_text) {
  auto fail = [] { return make_error("malformed URI", 400); };
  if (uri_text.empty()) return fail();
  if (!text::all_in_class(uri_text, text::kUriChar)) return fail();
  const std::size_t colon = uri_text.find(':');
  if (colon == std::string_view::npos || colon == 0 || !is_alpha(uri_text[0])) return fail();
  const std::string_view scheme = uri_text.substr(0, colon);
  for (char c : scheme) {
    if (!is_alnum(c) && c != '+' && c != '-' && c != '.') return fail();
  }
  Uri uri;
  uri.text_ = uri_text;
  uri.scheme_ = scheme;
  const std::string_view rest = uri_text.substr(colon + 1);
  if (rest.empty()) return fail();

  const bool sip = iequals(scheme, "sip") || iequals(scheme, "sips");
  if (!sip && !iequals(scheme, "tel")) {
    uri.opaque_ = rest;
    return uri;
  }
  if (!escapes_valid(rest)) return fail();
  uri.opaque_ = rest;

  if (!sip) {  // tel: number[;params]
    const std::size_t semi = rest.find(';');
    uri.user_ = rest.substr(0, semi);
    if (uri.user_.empty()) return fail();
    if (semi != std::string_view::npos) {
      auto params = Params::parse(rest.substr(semi + 1));
      if (!params) return fail();
      uri.params_ = std::move(*params);
    }
    return uri;
  }

  std::string_view hostpart = rest;
  const std::size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    const std::size_t pw = userinfo.find(':');
    uri.user_ = userinfo.substr(0, pw);
    if (pw != std::string_view::npos) uri.password_ = userinfo.substr(pw + 1);
    if (uri.user_.empty() || !text::all_in_class(uri.user_, text::kUser) ||
        !text::all_in_class(uri.password_, text::kPassword)) {
      return fail();
    }
    hostpart = rest.substr(at + 1);
  }
  // hostport ends at the first ';' or '?' (an IPv6 reference holds neither).
  std::size_t end = text::find_either(hostpart, ';', '?');
  if (end == std::string_view::npos) end = hostpart.size();
  if (!text::parse_host_port(hostpart.substr(0, end), uri.host_, uri.port_)) return fail();
  std::string_view tail = hostpart.substr(end);
  if (!tail.empty() && tail.front() == ';') {
    const std::size_t q = tail.find('?');
    auto params = Params::parse(tail.substr(1, q == std::string_view::npos ? q : q - 1));
    if (!params) return fail();
    uri.params_ = std::move(*params);
    tail = q == std::string_view::npos ? std::string_view{} : tail.substr(q);
  }
  if (!tail.empty()) {  // '?' headers
    uri.headers_ = tail.substr(1);
    if (!text::all_in_class(uri.headers_, text::kUriHeader)) return fail();
  }
  return uri;
}

bool Uri::is_sip() const {
  return iequals(scheme_, "sip") || iequals(scheme_, "sips");
}

bool Uri::secure() const {
  return iequals(scheme_, "sips");
}

std::string Uri::user_unescaped() const {
  auto out = unescape(user_);
  return out ? std::move(*out) : std::string(user_);
}

std::string Uri::host_port() const {
  std::string out(host_);
  if (port_ != 0) out.append(":").append(std::to_string(port_));
  return out;
}

std::optional<std::string> unescape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    if (!is_hex(in[i + 1]) || !is_hex(in[i + 2])) return std::nullopt;
    const char c = static_cast<char>(text::hex_value(in[i + 1]) * 16 + text::hex_value(in[i + 2]));
    if (c == '\0') return std::nullopt;
    out.push_back(c);
    i += 2;
  }
  return out;
}

std::string escape_user(std::string_view user) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(user.size());
  for (char c : user) {
    if (c != '%' && is_user_char(c)) {
      out.push_back(c);
    } else {
      const auto u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

}  // namespace vto::sip
