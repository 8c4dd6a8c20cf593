// Message parsing (zero-copy over the owned packet), editing and serialization.
#include "sip/message/message.h"

#include <charconv>
#include <cstring>
#include <functional>

#include "sip/message/text.h"

namespace vto::sip {
namespace {

constexpr std::string_view kVersion = "SIP/2.0";

Error bad(std::string reason, int code = 400) {
  return make_error(std::move(reason), code);
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!text::is_digit(c)) return false;
  }
  return true;
}

// 0 for SIP/2.0, 505 for another well-formed SIP version, 400 for anything else.
int check_version(std::string_view v) {
  if (iequals(v, kVersion)) return 0;
  if (v.size() > 4 && iequals(v.substr(0, 4), "SIP/")) {
    const std::string_view num = v.substr(4);
    const std::size_t dot = num.find('.');
    if (dot != std::string_view::npos && all_digits(num.substr(0, dot)) &&
        all_digits(num.substr(dot + 1))) {
      return 505;
    }
  }
  return 400;
}

struct StartLine {
  std::string_view method, uri, version, reason;
  int status = 0;
};

std::optional<Error> parse_start_line(std::string_view line, StartLine& out) {
  if (line.size() >= 4 && iequals(line.substr(0, 4), "SIP/")) {
    const std::size_t sp = line.find(' ');
    out.version = line.substr(0, sp);
    const int v = check_version(out.version);
    if (v == 505) return bad("Version Not Supported", 505);
    if (v != 0 || sp == std::string_view::npos) return bad("Malformed Status Line");
    const std::string_view rest = line.substr(sp + 1);
    if (rest.size() < 3 || !all_digits(rest.substr(0, 3)) || (rest.size() > 3 && rest[3] != ' ')) {
      return bad("Malformed Status Line");
    }
    out.status = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
    if (out.status < 100 || out.status > 699) return bad("Malformed Status Line");
    out.reason = rest.size() > 3 ? rest.substr(4) : std::string_view{};
    return std::nullopt;
  }
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return bad("Malformed Request Line");
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return bad("Malformed Request Line");
  out.method = line.substr(0, sp1);
  out.uri = line.substr(sp1 + 1, sp2 - sp1 - 1);
  out.version = line.substr(sp2 + 1);
  const int v = check_version(out.version);
  if (v == 505) return bad("Version Not Supported", 505);
  if (v != 0 || !text::is_token(out.method)) return bad("Malformed Request Line");
  auto uri = Uri::parse(out.uri);
  if (!uri) return bad("Malformed Request-URI");
  // RFC 4475 §3.1.2.11: headers are not allowed in a Request-URI.
  if (uri->is_sip() && !uri->headers().empty()) return bad("Headers Not Allowed In Request-URI");
  return std::nullopt;
}

bool one_of(std::string_view s, std::initializer_list<std::string_view> set) {
  for (std::string_view x : set) {
    if (s == x) return true;
  }
  return false;
}

// rfc1123-date = wkday "," SP 2DIGIT SP month SP 4DIGIT SP 2DIGIT ":" 2DIGIT ":" 2DIGIT SP "GMT"
bool valid_date(std::string_view v) {
  if (v.size() != 29) return false;
  const bool digits = all_digits(v.substr(5, 2)) && all_digits(v.substr(12, 4)) &&
                      all_digits(v.substr(17, 2)) && all_digits(v.substr(20, 2)) &&
                      all_digits(v.substr(23, 2));
  return digits && v[3] == ',' && v[4] == ' ' && v[7] == ' ' && v[11] == ' ' && v[16] == ' ' &&
         v[19] == ':' && v[22] == ':' && v[25] == ' ' && v.substr(26) == "GMT" &&
         one_of(v.substr(0, 3), {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}) &&
         one_of(v.substr(8, 3), {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
                                 "Oct", "Nov", "Dec"});
}

// The index of a header that may appear only once, or -1.
int singleton_slot(HeaderId id) {
  switch (id) {
    case HeaderId::From:
      return 0;
    case HeaderId::To:
      return 1;
    case HeaderId::CallId:
      return 2;
    case HeaderId::CSeq:
      return 3;
    case HeaderId::MaxForwards:
      return 4;
    case HeaderId::ContentLength:
      return 5;
    default:
      return -1;
  }
}

void append_number(std::string& out, std::uint64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  (void)ec;
  out.append(buf, end);
}

}  // namespace

Message::Message() = default;
Message::Message(Message&&) noexcept = default;
Message& Message::operator=(Message&&) noexcept = default;
Message::~Message() = default;

std::string_view Message::store(std::string value) {
  arena_.push_back(std::move(value));
  return arena_.back();
}

Result<Message> Message::parse(std::string packet, const Limits& limits) {
  if (packet.size() > limits.max_message) return bad("Message Too Large", 513);
  Message m;
  m.raw_ = std::make_unique<std::string>(std::move(packet));
  char* const data = m.raw_->data();
  const std::size_t n = m.raw_->size();
  std::size_t pos = 0;
  while (pos < n && (data[pos] == '\r' || data[pos] == '\n')) ++pos;  // RFC 3261 §7.5

  // Finds the end of the line starting at `from`: `eol` is the '\n', `end` the content end.
  std::size_t eol = 0, end = 0;
  auto next_line = [&](std::size_t from) {
    const void* nl = std::memchr(data + from, '\n', n - from);
    if (nl == nullptr) return false;
    eol = static_cast<std::size_t>(static_cast<const char*>(nl) - data);
    end = (eol > from && data[eol - 1] == '\r') ? eol - 1 : eol;
    return true;
  };

  if (pos >= n || !next_line(pos)) return bad("Incomplete Message");
  if (end - pos > limits.max_line) return bad("Start Line Too Long", 513);
  StartLine start;
  if (auto err = parse_start_line(std::string_view(data + pos, end - pos), start)) {
    return std::move(*err);
  }
  m.method_ = start.method;
  m.request_uri_ = start.uri;
  m.version_ = start.version;
  m.reason_ = start.reason;
  m.status_ = start.status;
  pos = eol + 1;

  m.headers_.reserve(16);
  int singleton[6] = {-1, -1, -1, -1, -1, -1};
  bool has_via = false;
  bool ended = false;
  while (pos < n) {
    const std::size_t field_start = pos;
    if (!next_line(pos)) break;
    if (end == pos) {  // the empty line
      pos = eol + 1;
      ended = true;
      break;
    }
    if (text::is_ws(data[pos])) return bad("Malformed Header Line");
    std::size_t field_end = end;
    bool folded = false;
    pos = eol + 1;
    while (pos < n && text::is_ws(data[pos])) {  // continuation lines (folding)
      if (!next_line(pos)) return bad("Incomplete Message");
      folded = true;
      field_end = end;
      pos = eol + 1;
      if (field_end - field_start > limits.max_line) return bad("Header Too Long", 513);
    }
    if (field_end - field_start > limits.max_line) return bad("Header Too Long", 513);
    if (folded) {
      for (std::size_t k = field_start; k < field_end; ++k) {
        if (data[k] == '\r' || data[k] == '\n') data[k] = ' ';
      }
    }
    const std::string_view field(data + field_start, field_end - field_start);
    std::size_t k = 0;
    while (k < field.size() && text::is_token_char(field[k])) ++k;
    const std::string_view name = field.substr(0, k);
    while (k < field.size() && text::is_ws(field[k])) ++k;
    if (name.empty() || k >= field.size() || field[k] != ':') return bad("Malformed Header Line");
    if (m.headers_.size() >= limits.max_headers) return bad("Too Many Headers", 513);
    const HeaderId id = header_id(name);
    const int slot = singleton_slot(id);
    if (slot >= 0) {
      if (singleton[slot] >= 0) return bad("Duplicate " + std::string(header_name(id)) + " Header");
      singleton[slot] = static_cast<int>(m.headers_.size());
    }
    has_via = has_via || id == HeaderId::Via;
    m.headers_.push_back(HeaderField{id, name, text::trim(field.substr(k + 1))});
  }
  if (!ended) return bad("Incomplete Message");

  // Presence and form of the headers every message needs (RFC 3261 §8.1.1).
  if (!has_via) return bad("Missing Via Header");
  if (singleton[0] < 0) return bad("Missing From Header");
  if (singleton[1] < 0) return bad("Missing To Header");
  if (singleton[2] < 0) return bad("Missing Call-ID Header");
  if (singleton[3] < 0) return bad("Missing CSeq Header");
  if (!text::check_name_addr(m.headers_[singleton[0]].value)) return bad("Malformed From Header");
  if (!text::check_name_addr(m.headers_[singleton[1]].value)) return bad("Malformed To Header");
  if (!text::valid_call_id(m.headers_[singleton[2]].value)) return bad("Malformed Call-ID Header");
  auto cseq = CSeq::parse(m.headers_[singleton[3]].value);
  if (!cseq) return bad("Malformed CSeq Header");
  if (m.is_request() && cseq->method != m.method_) return bad("CSeq Method Mismatch");
  if (singleton[4] >= 0 && !parse_uint(m.headers_[singleton[4]].value, 255)) {
    return bad("Malformed Max-Forwards Header");
  }
  for (const HeaderField& h : m.headers_) {
    bool ok = true;
    switch (h.id) {
      case HeaderId::Via:
        ok = text::for_each_item(
                 h.value, [&](std::string_view item) { ok = ok && text::check_via(item); }) &&
             ok;
        if (!ok) return bad("Malformed Via Header");
        break;
      case HeaderId::Contact:
        ok = text::for_each_item(h.value,
                                 [&](std::string_view item) {
                                   ok = ok && (item == "*" || text::check_name_addr(item));
                                 }) &&
             ok;
        if (!ok) return bad("Malformed Contact Header");
        break;
      case HeaderId::Date:
        if (!valid_date(h.value)) return bad("Malformed Date Header");
        break;
      default:
        break;
    }
  }

  // Body: Content-Length bytes; a longer datagram is truncated, a shorter one is an error
  // (RFC 3261 §18.3). Without Content-Length (UDP only) the body is the rest.
  const std::size_t available = n - pos;
  std::size_t length = available;
  if (singleton[5] >= 0) {
    auto cl = parse_uint(
        m.headers_[singleton[5]].value,
        static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_message, 0xffffffffu)));
    if (!cl) return bad("Malformed Content-Length Header");
    if (*cl > available) return bad("Content-Length Larger Than Message");
    length = *cl;
  }
  m.body_ = std::string_view(data + pos, length);
  return m;
}

Message Message::request(std::string_view method, std::string_view request_uri) {
  Message m;
  m.method_ = m.store(std::string(method));
  m.request_uri_ = m.store(std::string(request_uri));
  m.version_ = kVersion;
  m.headers_.reserve(12);
  return m;
}

Message Message::response(int status, std::string_view reason) {
  Message m;
  m.status_ = status;
  m.reason_ = m.store(std::string(reason));
  m.version_ = kVersion;
  m.headers_.reserve(12);
  return m;
}

Message Message::clone() const {
  Message out;
  if (raw_) out.raw_ = std::make_unique<std::string>(*raw_);
  const auto in_raw = [this](std::string_view v) {
    if (!raw_ || v.empty()) return false;
    const std::less_equal<const char*> le;
    return le(raw_->data(), v.data()) && le(v.data() + v.size(), raw_->data() + raw_->size());
  };
  const auto rebase = [&](std::string_view v) -> std::string_view {
    if (v.empty()) return {};
    if (in_raw(v)) return {out.raw_->data() + (v.data() - raw_->data()), v.size()};
    return out.store(std::string(v));
  };
  out.method_ = rebase(method_);
  out.request_uri_ = rebase(request_uri_);
  out.reason_ = rebase(reason_);
  out.version_ = rebase(version_);
  out.status_ = status_;
  out.headers_.reserve(headers_.size());
  for (const HeaderField& h : headers_) {
    out.headers_.push_back(HeaderField{h.id, rebase(h.name), rebase(h.value)});
  }
  out.body_ = rebase(body_);
  return out;
}

void Message::set_request_uri(std::string uri) {
  request_uri_ = store(std::move(uri));
}

void Message::set_status(int status, std::string_view reason) {
  status_ = status;
  reason_ = store(std::string(reason));
}

std::optional<std::string_view> Message::header(HeaderId id) const {
  for (const HeaderField& h : headers_) {
    if (h.id == id) return h.value;
  }
  return std::nullopt;
}

std::optional<std::string_view> Message::header(std::string_view name) const {
  const HeaderId id = header_id(name);
  if (id != HeaderId::Other) return header(id);
  for (const HeaderField& h : headers_) {
    if (h.id == HeaderId::Other && iequals(h.name, name)) return h.value;
  }
  return std::nullopt;
}

std::vector<std::string_view> Message::header_values(HeaderId id) const {
  std::vector<std::string_view> out;
  const bool list = is_list_header(id);
  for (const HeaderField& h : headers_) {
    if (h.id != id) continue;
    if (!list) {
      out.push_back(h.value);
      continue;
    }
    const bool ok = text::for_each_item(h.value, [&](std::string_view item) {
      if (!item.empty()) out.push_back(item);
    });
    if (!ok && !h.value.empty()) out.push_back(h.value);  // unbalanced quotes: keep it whole
  }
  return out;
}

std::size_t Message::count(HeaderId id) const {
  std::size_t c = 0;
  for (const HeaderField& h : headers_) c += h.id == id ? 1 : 0;
  return c;
}

void Message::add_header(HeaderId id, std::string value) {
  headers_.push_back(HeaderField{id, header_name(id), store(std::move(value))});
}

void Message::add_header(std::string_view name, std::string value) {
  const HeaderId id = header_id(name);
  if (id != HeaderId::Other) return add_header(id, std::move(value));
  const std::string_view stored_name = store(std::string(name));
  headers_.push_back(HeaderField{id, stored_name, store(std::move(value))});
}

void Message::prepend_header(HeaderId id, std::string value) {
  auto it = headers_.begin();
  while (it != headers_.end() && it->id != id) ++it;
  if (it == headers_.end()) it = headers_.begin();
  headers_.insert(it, HeaderField{id, header_name(id), store(std::move(value))});
}

void Message::set_header(HeaderId id, std::string value) {
  auto it = headers_.begin();
  while (it != headers_.end() && it->id != id) ++it;
  if (it == headers_.end()) return add_header(id, std::move(value));
  const auto index = it - headers_.begin();
  remove_headers(id);
  headers_.insert(headers_.begin() + index,
                  HeaderField{id, header_name(id), store(std::move(value))});
}

std::size_t Message::remove_headers(HeaderId id) {
  return std::erase_if(headers_, [id](const HeaderField& h) { return h.id == id; });
}

bool Message::remove_first_value(HeaderId id) {
  auto it = headers_.begin();
  while (it != headers_.end() && it->id != id) ++it;
  if (it == headers_.end()) return false;
  if (is_list_header(id)) {
    bool ok = true;
    const std::size_t comma = text::find_top_level(it->value, ',', ok);
    if (ok && comma != std::string_view::npos) {
      const std::string_view rest = text::trim(it->value.substr(comma + 1));
      if (!rest.empty()) {
        it->value = rest;  // a view into the same storage: nothing to copy
        return true;
      }
    }
  }
  headers_.erase(it);
  return true;
}

void Message::set_body(std::string body, std::string_view content_type) {
  body_ = body.empty() ? std::string_view{} : store(std::move(body));
  if (content_type.empty()) {
    remove_headers(HeaderId::ContentType);
  } else {
    set_header(HeaderId::ContentType, std::string(content_type));
  }
  if (count(HeaderId::ContentLength) > 0) {
    set_header(HeaderId::ContentLength, std::to_string(body_.size()));
  }
}

Result<Via> Message::top_via() const {
  auto v = header(HeaderId::Via);
  if (!v) return make_error("Missing Via Header", 400);
  bool ok = true;
  const std::size_t comma = text::find_top_level(*v, ',', ok);
  return Via::parse(comma == std::string_view::npos ? *v : v->substr(0, comma));
}

Result<CSeq> Message::cseq() const {
  auto v = header(HeaderId::CSeq);
  if (!v) return make_error("Missing CSeq Header", 400);
  return CSeq::parse(*v);
}

Result<NameAddr> Message::from() const {
  auto v = header(HeaderId::From);
  if (!v) return make_error("Missing From Header", 400);
  return NameAddr::parse(*v);
}

Result<NameAddr> Message::to() const {
  auto v = header(HeaderId::To);
  if (!v) return make_error("Missing To Header", 400);
  return NameAddr::parse(*v);
}

std::string_view Message::call_id() const {
  return header(HeaderId::CallId).value_or("");
}

Result<ContactList> Message::contacts() const {
  ContactList list;
  for (std::string_view item : header_values(HeaderId::Contact)) {
    if (item == "*") {
      list.star = true;
      continue;
    }
    auto na = NameAddr::parse(item);
    if (!na) return make_error("Malformed Contact Header", 400);
    list.contacts.push_back(std::move(*na));
  }
  return list;
}

std::optional<std::uint32_t> Message::expires() const {
  auto v = header(HeaderId::Expires);
  if (!v) return std::nullopt;
  auto n = parse_uint(*v, 0xffffffffu);
  if (!n) return std::nullopt;
  return *n;
}

std::optional<std::uint32_t> Message::max_forwards() const {
  auto v = header(HeaderId::MaxForwards);
  if (!v) return std::nullopt;
  auto n = parse_uint(*v, 255);
  if (!n) return std::nullopt;
  return *n;
}

std::string Message::serialize() const {
  std::string out;
  serialize_to(out);
  return out;
}

void Message::serialize_to(std::string& out) const {
  std::size_t size = 64 + request_uri_.size() + method_.size() + reason_.size() + body_.size();
  for (const HeaderField& h : headers_) size += h.name.size() + h.value.size() + 4;
  out.reserve(out.size() + size);
  if (is_request()) {
    out.append(method_).append(" ").append(request_uri_).append(" SIP/2.0\r\n");
  } else {
    out.append("SIP/2.0 ");
    append_number(out, static_cast<std::uint64_t>(status_ < 0 ? 0 : status_));
    out.append(" ").append(reason_).append("\r\n");
  }
  bool length_written = false;
  for (const HeaderField& h : headers_) {
    if (h.id == HeaderId::ContentLength) {
      if (length_written) continue;
      length_written = true;
      out.append(h.name).append(": ");
      append_number(out, body_.size());
      out.append("\r\n");
      continue;
    }
    out.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  if (!length_written) {
    out.append("Content-Length: ");
    append_number(out, body_.size());
    out.append("\r\n");
  }
  out.append("\r\n").append(body_);
}

}  // namespace vto::sip
