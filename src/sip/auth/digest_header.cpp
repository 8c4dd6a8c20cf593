#include "sip/auth/digest_header.h"

#include <cctype>
#include <vector>

#include "core/text.h"

namespace vto::sip::auth {

namespace {

struct Param {
  std::string name;  // lowercase
  std::string value;
};

using core::ascii_iequals;

bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

bool is_ctl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || u == 0x7f;
}

// RFC 7230 tchar.
bool is_tchar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// An unquoted parameter value: lenient (old clients send nonces with '/' or '='
// unquoted), but never whitespace, separators of the list, quotes or controls.
bool is_bare_value_char(char c) {
  return !is_ows(c) && !is_ctl(c) && c != ',' && c != '"' && c != '\\';
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {}

  bool done() const { return i_ >= s_.size(); }
  char peek() const { return s_[i_]; }
  void skip_ows() {
    while (!done() && is_ows(peek())) ++i_;
  }
  void skip_list_separators() {
    while (!done() && (is_ows(peek()) || peek() == ',')) ++i_;
  }
  std::string_view token() {
    const std::size_t start = i_;
    while (!done() && is_tchar(peek())) ++i_;
    return s_.substr(start, i_ - start);
  }
  std::size_t pos() const { return i_; }
  void seek(std::size_t pos) { i_ = pos; }
  void advance() { ++i_; }

  Result<std::string> value() {
    std::string out;
    if (!done() && peek() == '"') {
      advance();
      for (;;) {
        if (done()) return make_error("unterminated quoted string");
        char c = peek();
        advance();
        if (c == '"') break;
        if (c == '\\') {
          if (done()) return make_error("unterminated quoted string");
          c = peek();
          advance();
        }
        if (is_ctl(c)) return make_error("control character in quoted string");
        if (out.size() >= kMaxDigestValueSize) return make_error("parameter value too long");
        out += c;
      }
      return out;
    }
    while (!done() && is_bare_value_char(peek())) {
      if (out.size() >= kMaxDigestValueSize) return make_error("parameter value too long");
      out += peek();
      advance();
    }
    if (out.empty()) return make_error("empty parameter value");
    return out;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// `Digest name=value, ...` into its parameters. With `stop_at_next_scheme`, a
// bare token after the first parameter ends the list (another challenge follows).
Result<std::vector<Param>> parse_params(std::string_view text, bool stop_at_next_scheme) {
  if (text.size() > kMaxDigestHeaderSize) return make_error("header too long");
  Scanner in(text);
  in.skip_ows();
  if (!ascii_iequals(in.token(), "Digest")) return make_error("not a Digest header");
  if (in.done() || !is_ows(in.peek())) return make_error("no parameters after Digest");

  std::vector<Param> params;
  for (;;) {
    in.skip_list_separators();
    if (in.done()) break;
    const std::string_view name = in.token();
    if (name.empty()) return make_error("expected a parameter name");
    in.skip_ows();
    if (in.done() || in.peek() != '=') {
      if (stop_at_next_scheme && !params.empty()) break;
      return make_error("expected '=' after " + std::string(name));
    }
    in.advance();
    in.skip_ows();
    auto value = in.value();
    if (!value) return value.error();
    in.skip_ows();
    if (!in.done() && in.peek() != ',') return make_error("expected ',' between parameters");

    std::string key = lowercase(name);
    for (const Param& p : params) {
      if (p.name == key) return make_error("duplicate parameter " + key);
    }
    if (params.size() >= kMaxDigestParams) return make_error("too many parameters");
    params.push_back({std::move(key), std::move(*value)});
  }
  if (params.empty()) return make_error("no parameters after Digest");
  return params;
}

bool has(const std::vector<Param>& params, std::string_view name) {
  for (const Param& p : params) {
    if (p.name == name) return true;
  }
  return false;
}

bool is_true(std::string_view value) {
  return ascii_iequals(value, "true");
}

constexpr std::string_view kScheme = "Digest ";

// Tokens go bare (algorithm=SHA-256, qop=auth, nc=00000001) unless they hold
// something a token may not, in which case they are quoted rather than corrupted.
void append_param(std::string& out, std::string_view name, std::string_view value, bool quoted) {
  if (out.size() > kScheme.size()) out += ", ";
  out += name;
  out += '=';
  bool bare = !quoted && !value.empty();
  for (char c : value) bare = bare && is_bare_value_char(c);
  out += bare ? std::string(value) : quote(value);
}

}  // namespace

Result<Credentials> parse_credentials(std::string_view header_value) {
  auto params = parse_params(header_value, false);
  if (!params) return params.error();
  for (std::string_view required : {"username", "realm", "nonce", "uri", "response"}) {
    if (!has(*params, required)) return make_error("missing " + std::string(required));
  }
  Credentials c;
  for (Param& p : *params) {
    if (p.name == "username")
      c.username = std::move(p.value);
    else if (p.name == "realm")
      c.realm = std::move(p.value);
    else if (p.name == "nonce")
      c.nonce = std::move(p.value);
    else if (p.name == "uri")
      c.uri = std::move(p.value);
    else if (p.name == "response")
      c.response = std::move(p.value);
    else if (p.name == "algorithm")
      c.algorithm = std::move(p.value);
    else if (p.name == "cnonce")
      c.cnonce = std::move(p.value);
    else if (p.name == "opaque")
      c.opaque = std::move(p.value);
    else if (p.name == "qop")
      c.qop = std::move(p.value);
    else if (p.name == "nc")
      c.nc = std::move(p.value);
    else if (p.name == "userhash")
      c.userhash = is_true(p.value);
  }
  if (c.nonce.empty() || c.response.empty()) return make_error("empty nonce or response");
  if (!c.qop.empty() && (c.nc.empty() || c.cnonce.empty()))
    return make_error("qop without nc and cnonce");
  return c;
}

Result<Challenge> parse_challenge(std::string_view header_value) {
  auto params = parse_params(header_value, true);
  if (!params) return params.error();
  if (!has(*params, "realm")) return make_error("missing realm");
  Challenge c;
  for (Param& p : *params) {
    if (p.name == "realm")
      c.realm = std::move(p.value);
    else if (p.name == "nonce")
      c.nonce = std::move(p.value);
    else if (p.name == "opaque")
      c.opaque = std::move(p.value);
    else if (p.name == "algorithm")
      c.algorithm = std::move(p.value);
    else if (p.name == "qop")
      c.qop = std::move(p.value);
    else if (p.name == "domain")
      c.domain = std::move(p.value);
    else if (p.name == "stale")
      c.stale = is_true(p.value);
  }
  if (c.nonce.empty()) return make_error("missing nonce");
  return c;
}

bool qop_offers(std::string_view qop_list, std::string_view option) {
  while (!qop_list.empty()) {
    const std::size_t comma = qop_list.find(',');
    std::string_view item = qop_list.substr(0, comma);
    while (!item.empty() && is_ows(item.front())) item.remove_prefix(1);
    while (!item.empty() && is_ows(item.back())) item.remove_suffix(1);
    if (ascii_iequals(item, option)) return true;
    if (comma == std::string_view::npos) break;
    qop_list.remove_prefix(comma + 1);
  }
  return false;
}

std::string quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string format_challenge(const Challenge& c) {
  std::string out(kScheme);
  append_param(out, "realm", c.realm, true);
  if (!c.domain.empty()) append_param(out, "domain", c.domain, true);
  append_param(out, "nonce", c.nonce, true);
  if (!c.opaque.empty()) append_param(out, "opaque", c.opaque, true);
  if (!c.algorithm.empty()) append_param(out, "algorithm", c.algorithm, false);
  if (!c.qop.empty()) append_param(out, "qop", c.qop, true);
  if (c.stale) append_param(out, "stale", "true", false);
  return out;
}

std::string format_credentials(const Credentials& c) {
  std::string out(kScheme);
  append_param(out, "username", c.username, true);
  append_param(out, "realm", c.realm, true);
  append_param(out, "nonce", c.nonce, true);
  append_param(out, "uri", c.uri, true);
  append_param(out, "response", c.response, true);
  if (!c.algorithm.empty()) append_param(out, "algorithm", c.algorithm, false);
  if (!c.cnonce.empty()) append_param(out, "cnonce", c.cnonce, true);
  if (!c.opaque.empty()) append_param(out, "opaque", c.opaque, true);
  if (!c.qop.empty()) append_param(out, "qop", c.qop, false);
  if (!c.nc.empty()) append_param(out, "nc", c.nc, false);
  if (c.userhash) append_param(out, "userhash", "true", false);
  return out;
}

}  // namespace vto::sip::auth
