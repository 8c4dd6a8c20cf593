// The building's SIP server over a fake transport, with simulated time, for the proxy's
// and the relay rules' unit tests: rooms 101 and 102, VTO 8001 (the caller, registered),
// the centre 888888.
#pragma once

#include <gtest/gtest.h>

#include "../../../tests/support/fake_transport.h"
#include "sip/auth/digest_server.h"
#include "sip/proxy/sip_server.h"

namespace vto::sip::fixture {

using namespace std::chrono_literals;
using vto::core::ManualTimers;
using vto::test::FakeTransport;

const Peer kCaller{Transport::Udp, "127.0.0.1", 7000, 0};
const Peer kMaster{Transport::Udp, "127.0.0.1", 6000, 0};
const Peer kExtension{Transport::Udp, "127.0.0.1", 6001, 0};

struct Plan : NumberPlan {
  Kind classify(std::string_view user) const override {
    if (user == "101" || user == "102") return Kind::Room;
    if (user.find('#') != std::string_view::npos) return Kind::Device;
    if (user == "8001") return Kind::Vto;
    if (user == "888888") return Kind::Centre;
    return Kind::Unknown;
  }
};

struct NoAccounts : AccountDirectory {
  std::optional<std::string> password_of(std::string_view) const override { return std::nullopt; }
};

inline std::string request(std::string_view method, std::string_view ruri, std::string_view branch,
                           std::string extra = "") {
  std::string s = std::string(method) + " " + std::string(ruri) + " SIP/2.0\r\n";
  s += "Via: SIP/2.0/UDP 127.0.0.1:7000;branch=" + std::string(branch) + ";rport\r\n";
  s += extra;
  s += "Max-Forwards: 70\r\n"
       "From: <sip:8001@127.0.0.1>;tag=caller\r\n"
       "To: <" +
       std::string(ruri) +
       ">\r\n"
       "Call-ID: group-call-1\r\n"
       "CSeq: 1 " +
       std::string(method) +
       "\r\n"
       "Contact: <sip:8001@127.0.0.1:7000>\r\n"
       "Content-Length: 0\r\n\r\n";
  return s;
}

class SipServerFixture : public ::testing::Test {
 protected:
  SipServerFixture()
      : tl(timers, transport),
        locations(timers),
        digest(timers),
        registrar(locations, digest, accounts, timers),
        proxy(tl),
        server(tl, registrar, locations, proxy, plan, SipServerConfig{"VDP", "8001"}) {
    transport.set_handler(
        [this](Message&& m, const Peer& from) { tl.receive(std::move(m), from); });
    tl.set_user(&server);
    bind("101#0", kMaster);
    bind("101#1", kExtension);
    bind("8001", kCaller);  // the caller is a registered device
  }

  void bind(const std::string& aor, const Peer& where) {
    Binding b;
    b.aor = aor;
    b.contact = "sip:" + escape_user(aor) + "@127.0.0.1:" + std::to_string(where.port);
    b.expires_at = timers.now() + 1h;
    b.source = where;
    locations.save(std::move(b));
  }

  // Messages sent to `to` whose first line starts with `prefix`.
  std::vector<Message> sent_to(const Peer& to, std::string_view prefix) {
    std::vector<Message> out;
    for (const auto& s : transport.sent) {
      if (s.to.port == to.port && s.bytes.starts_with(prefix))
        out.push_back(Message::parse(s.bytes).value());
    }
    return out;
  }

  // A device answers the INVITE it got with `status`.
  void device_answers(const Peer& device, int status, std::string_view tag) {
    auto invites = sent_to(device, "INVITE");
    ASSERT_FALSE(invites.empty());
    auto r = make_response(invites.back(), status, reason_phrase(status), tag);
    r.add_header(HeaderId::Contact, "<sip:dev@127.0.0.1:" + std::to_string(device.port) + ">");
    transport.inject(r.serialize(), device);
  }

  ManualTimers timers;
  FakeTransport transport;
  TransactionLayer tl;
  MemoryLocationStore locations;
  vto::sip::auth::DigestServer digest;
  NoAccounts accounts;
  Plan plan;
  Registrar registrar;
  Proxy proxy;
  SipServer server;
};

}  // namespace vto::sip::fixture
