// libFuzzer target for the SIP message layer: Message::parse, then what it serializes
// must parse again; the typed accessors on success; reply_to_malformed on failure; and
// the stream framer fed with the same bytes in chunks.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sip/message/message.h"

using namespace vto::sip;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// What we write may be a little longer than what we read ("v:" becomes "Via: ").
const Limits kRelaxed{1u << 24, 1u << 20, 1u << 24};

void exercise(const Message& m) {
  static constexpr HeaderId kIds[] = {HeaderId::Via,     HeaderId::Contact, HeaderId::Route,
                                      HeaderId::Allow,   HeaderId::From,    HeaderId::Reason,
                                      HeaderId::Require, HeaderId::Other};
  for (HeaderId id : kIds) {
    for (std::string_view v : m.header_values(id)) (void)v.size();
    (void)m.count(id);
  }
  for (std::string_view v : m.header_values(HeaderId::Via)) {
    if (auto via = Via::parse(v)) {
      (void)via->branch();
      (void)via->rport();
      (void)via->received();
    }
  }
  (void)m.top_via();
  (void)m.cseq();
  if (auto f = m.from()) (void)f->tag();
  if (auto t = m.to()) (void)t->uri.user_unescaped();
  if (auto c = m.contacts()) {
    for (const NameAddr& na : c->contacts) (void)na.uri.host_port();
  }
  (void)m.expires();
  (void)m.max_forwards();
  (void)m.header("X-Unknown");
  if (m.is_request()) {
    (void)Uri::parse(m.request_uri());
    Message r = make_response(m, 200, "", "tag");
    check(Message::parse(r.serialize(), kRelaxed).ok());
  }
  Message copy = m.clone();
  copy.remove_first_value(HeaderId::Via);
  copy.prepend_header(HeaderId::Via, "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKfuzz");
  copy.remove_first_value(HeaderId::Route);
  copy.set_header(HeaderId::MaxForwards, "69");
  check(copy.clone().serialize() == copy.serialize());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = Message::parse(std::string(input));
  if (parsed) {
    exercise(*parsed);
    const std::string out = parsed->serialize();
    auto again = Message::parse(out, kRelaxed);
    check(again.ok());
    check(again->serialize() == out);
    check(again->body() == parsed->body());
  } else {
    check(parsed.error().code >= 400);
    check(!parsed.error().message.empty());
    if (auto reply = reply_to_malformed(input, parsed.error().code, parsed.error().message)) {
      check(reply->starts_with("SIP/2.0 ") && reply->ends_with("Content-Length: 0\r\n\r\n"));
      (void)Message::parse(*reply, kRelaxed);
    }
  }

  // The same bytes as a TCP stream, in chunks whose sizes come from the data.
  StreamFramer framer;
  std::size_t pos = 0;
  std::size_t step = size > 0 ? (data[0] % 17) + 1 : 1;
  int messages = 0;
  while (pos < size) {
    const std::size_t n = std::min(step, size - pos);
    framer.feed(input.substr(pos, n));
    pos += n;
    step = step * 3 % 23 + 1;
    bool failed = false;
    while (auto next = framer.next()) {
      if (!*next) {
        failed = true;
        break;
      }
      ++messages;
      (void)Message::parse(std::move(next->value()));
    }
    if (failed) break;
    (void)framer.pong_requested();
  }
  check(messages <= static_cast<int>(size));
  return 0;
}
