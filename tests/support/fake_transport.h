// A transport for unit tests: records what the stack sends, and injects what peers send.
#pragma once

#include <string>
#include <vector>

#include "sip/transport/transport.h"

namespace vto::test {

class FakeTransport final : public sip::TransportLayer {
 public:
  struct Sent {
    std::string bytes;
    sip::Peer to;
  };

  void set_handler(Handler handler) override { handler_ = std::move(handler); }
  Result<void> send(std::string bytes, const sip::Peer& to) override {
    if (fail_sends) return make_error("fake send failure", 503);
    sent.push_back({std::move(bytes), to});
    return {};
  }
  bool reliable(sip::Transport t) const override { return t != sip::Transport::Udp; }
  sip::LocalAddress local(sip::Transport) const override { return {"127.0.0.1", 5060}; }

  void set_closed_handler(ClosedHandler handler) override { closed_ = std::move(handler); }
  // The connection this side opened to `to` ended (the peer went away).
  void close_connection(const sip::Peer& to) {
    if (closed_) closed_(to);
  }

  // Delivers raw bytes as if a peer sent them (parse failures are ignored).
  void inject(std::string bytes, const sip::Peer& from) {
    auto parsed = sip::Message::parse(std::move(bytes));
    if (parsed && handler_) handler_(std::move(parsed).value(), from);
  }

  // The first line of each message sent, e.g. "SIP/2.0 100 Trying" or "ACK sip:...".
  std::vector<std::string> first_lines() const {
    std::vector<std::string> out;
    for (const auto& s : sent) out.push_back(s.bytes.substr(0, s.bytes.find("\r\n")));
    return out;
  }
  std::size_t count_starting(std::string_view prefix) const {
    std::size_t n = 0;
    for (const auto& s : sent) n += s.bytes.starts_with(prefix) ? 1 : 0;
    return n;
  }

  std::vector<Sent> sent;
  bool fail_sends = false;

 private:
  Handler handler_;
  ClosedHandler closed_;
};

}  // namespace vto::test
