// libFuzzer target for the SIP security policy: every input is a packet to the building's
// SIP server (a registered monitor, a stranger, or a blocked address sends it, chosen by
// a first byte 0-2, else by the length, so that the SIP seeds work as they are), over a fake
// transport with simulated time. Whatever comes in, nothing may ever be sent to a third party
// (192.0.2.0/24, an address no device registered from), and the transaction counts must stay within
// their caps.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "../tests/support/fake_transport.h"
#include "sip/auth/digest_server.h"
#include "sip/proxy/sip_server.h"
#include "sip/security/sip_guard.h"

using namespace std::chrono_literals;
using namespace vto::sip;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

struct Plan : NumberPlan {
  Kind classify(std::string_view user) const override {
    if (user == "101") return Kind::Room;
    if (user.find('#') != std::string_view::npos) return Kind::Device;
    if (user == "8001") return Kind::Vto;
    return Kind::Unknown;
  }
};

struct Accounts : AccountDirectory {
  std::optional<std::string> password_of(std::string_view user) const override {
    if (user == "101#0" || user == "8001") return std::string("secret1");
    return std::nullopt;
  }
};

const Peer kPeers[] = {
    {Transport::Udp, "127.0.0.1", 6000, 0},   // monitor 101#0, registered
    {Transport::Udp, "127.0.0.66", 7000, 0},  // a stranger
    {Transport::Tcp, "127.0.0.67", 7001, 9},  // a stranger over TCP
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  vto::core::ManualTimers timers;
  vto::test::FakeTransport transport;
  TransactionLayer tl(timers, transport, {}, TransactionLimits{64, 8});
  MemoryLocationStore locations(timers);
  auth::DigestServer digest(timers);
  Accounts accounts;
  Plan plan;
  SipGuard guard(timers);
  Registrar registrar(locations, digest, accounts, timers);
  registrar.set_guard(&guard);
  Proxy proxy(tl);
  SipServer server(tl, registrar, locations, proxy, plan, SipServerConfig{"VDP", "8001"});
  transport.set_handler([&](Message&& m, const Peer& from) {
    // As the real transport hands it up: a request's Via notes where it came from.
    if (m.is_request() && !stamp_received(m, from)) return;
    if (guard.admit(m, from)) tl.receive(std::move(m), from);
  });
  tl.set_user(&server);
  Binding b;
  b.aor = "101#0";
  b.contact = "sip:101%230@127.0.0.1:6000";
  b.expires_at = timers.now() + 1h;
  b.source = kPeers[0];
  locations.save(std::move(b));

  // A first byte 0-2 names the sender; otherwise (a SIP seed as it is) the length does.
  const bool chosen = data[0] <= 2;
  const Peer& from = kPeers[chosen ? data[0] : size % 3];
  const std::string packet(reinterpret_cast<const char*>(data + (chosen ? 1 : 0)),
                           size - (chosen ? 1 : 0));
  // The packet, its retransmission, and time passing (timers, forks, held answers).
  for (int round = 0; round < 2; ++round) {
    transport.inject(packet, from);
    timers.advance(40s);
  }
  for (const auto& sent : transport.sent) check(sent.to.ip.rfind("192.0.2.", 0) != 0);
  check(tl.server_count() <= 64);
  return 0;
}
