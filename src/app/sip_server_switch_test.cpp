#include "app/sip_server_switch.h"

#include <gtest/gtest.h>

#include "../../tests/support/fake_transport.h"
#include "sip/auth/digest_server.h"
#include "sip/proxy/proxy.h"
#include "sip/registrar/location_store.h"
#include "sip/registrar/registrar.h"

using namespace std::chrono_literals;

namespace vto::app {
namespace {

struct Plan : sip::NumberPlan {
  Kind classify(std::string_view) const override { return Kind::Unknown; }
};
struct NoAccounts : sip::AccountDirectory {
  std::optional<std::string> password_of(std::string_view) const override { return std::nullopt; }
};

api::SipServerSettings platform() {
  api::SipServerSettings s;
  s.mode = api::SipServerMode::Platform;
  s.server_ip = "127.0.0.91";
  s.server_port = 5080;
  s.user = "8001";
  s.password = "main-pass";
  s.alternate_ip = "127.0.0.92";
  s.alternate_user = "8001a";
  s.alternate_password = "alt-pass";
  return s;
}

class SipServerSwitchTest : public ::testing::Test {
 protected:
  SipServerSwitchTest()
      : tl(timers, transport),
        locations(timers),
        digest(timers),
        registrar(locations, digest, accounts, timers),
        proxy(tl),
        server(tl, registrar, locations, proxy, plan, sip::SipServerConfig{"VDP", "8001"}),
        guard(timers),
        ua(tl, sip::UaConfig{}) {
    transport.set_handler(
        [this](sip::Message&& m, const sip::Peer& from) { tl.receive(std::move(m), from); });
    ua.set_event_handler([this](const sip::UaEvent& e) {
      if (sip_switch) sip_switch->on_ua_event(e);
    });
  }

  void make(api::SipServerSettings setting) {
    sip_switch = std::make_unique<SipServerSwitch>(
        SipServerSwitch::Parts{timers, tl, server, ua, guard}, std::move(setting),
        [] { return std::string("8001"); },
        [] {
          return sip::Peer{sip::Transport::Udp, "127.0.0.1", 5060, 0};
        });
  }

  // Where each REGISTER went, in order.
  std::vector<std::string> registers() const {
    std::vector<std::string> to;
    for (const auto& s : transport.sent)
      if (s.bytes.starts_with("REGISTER ")) to.push_back(s.to.ip);
    return to;
  }

  std::size_t options_to(const std::string& ip) const {
    std::size_t n = 0;
    for (const auto& s : transport.sent)
      if (s.bytes.starts_with("OPTIONS ") && s.to.ip == ip) ++n;
    return n;
  }

  // Answers the last request sent that starts with `method` with `status`.
  void answer_last(std::string_view method, int status) {
    for (auto it = transport.sent.rbegin(); it != transport.sent.rend(); ++it) {
      if (!it->bytes.starts_with(method)) continue;
      auto request = sip::Message::parse(it->bytes);
      ASSERT_TRUE(request);
      const sip::Peer from{it->to.transport, it->to.ip, it->to.port, 1};
      transport.inject(sip::make_response(*request, status, "OK", "srv").serialize(), from);
      return;
    }
    FAIL() << "no " << method << " was sent";
  }

  core::ManualTimers timers;
  test::FakeTransport transport;
  sip::TransactionLayer tl;
  sip::MemoryLocationStore locations;
  sip::auth::DigestServer digest;
  NoAccounts accounts;
  Plan plan;
  sip::Registrar registrar;
  sip::Proxy proxy;
  sip::SipServer server;
  sip::SipGuard guard;
  sip::UserAgent ua;
  std::unique_ptr<SipServerSwitch> sip_switch;
};

TEST_F(SipServerSwitchTest, ServingTheBuildingRegistersNowhere) {
  make(api::SipServerSettings{});
  sip_switch->use();
  EXPECT_TRUE(sip_switch->serving());
  EXPECT_EQ(ua.config().server.port, 5060);
  EXPECT_EQ(ua.config().user, "8001");
  EXPECT_FALSE(ua.config().authenticate_callers);
  EXPECT_TRUE(registers().empty());
}

TEST_F(SipServerSwitchTest, AFailedMainServerGivesWayToTheAlternateUntilItAnswersAgain) {
  make(platform());
  sip_switch->use();
  EXPECT_EQ(ua.config().server.transport, sip::Transport::Tcp);
  EXPECT_TRUE(ua.config().authenticate_callers);
  ASSERT_EQ(registers(), std::vector<std::string>{"127.0.0.91"});
  timers.advance(32s);  // no answer: the registration fails (timer F)
  timers.advance(1ms);
  EXPECT_TRUE(sip_switch->on_alternate());
  EXPECT_EQ(ua.config().user, "8001a");
  ASSERT_EQ(registers().back(), "127.0.0.92");
  // Every 5 s the main server is asked whether it is back; silence keeps the alternate.
  timers.advance(5s);
  ASSERT_EQ(options_to("127.0.0.91"), 1u);
  timers.advance(2s);
  EXPECT_TRUE(sip_switch->on_alternate());
  EXPECT_EQ(registers().back(), "127.0.0.92");
  timers.advance(5s);  // 5 s after the last one gave up
  ASSERT_EQ(options_to("127.0.0.91"), 2u);
  answer_last("OPTIONS ", 200);
  timers.advance(1ms);
  EXPECT_FALSE(sip_switch->on_alternate());
  EXPECT_EQ(registers().back(), "127.0.0.91");
}

TEST_F(SipServerSwitchTest, AMainServerThatStopsAnsweringTheKeepaliveGivesWayWithinFourSeconds) {
  make(platform());
  sip_switch->use();
  answer_last("REGISTER ", 200);
  ASSERT_TRUE(ua.registered());
  timers.advance(2s);  // the keepalive goes...
  ASSERT_EQ(options_to("127.0.0.91"), 1u);
  timers.advance(2s);  // ...and nobody answers it
  timers.advance(1ms);
  EXPECT_TRUE(sip_switch->on_alternate());
  EXPECT_EQ(registers().back(), "127.0.0.92");
}

TEST_F(SipServerSwitchTest, WithoutAnAlternateTheMainServerIsKept) {
  auto s = platform();
  s.alternate_ip.clear();
  make(s);
  sip_switch->use();
  timers.advance(41s);
  EXPECT_FALSE(sip_switch->on_alternate());
  for (const auto& to : registers()) EXPECT_EQ(to, "127.0.0.91");
}

TEST_F(SipServerSwitchTest, ANewSettingServesTheBuildingAgain) {
  make(platform());
  sip_switch->use();
  sip_switch->change(api::SipServerSettings{});
  EXPECT_TRUE(sip_switch->serving());
  EXPECT_EQ(ua.config().server.transport, sip::Transport::Udp);
  timers.advance(120s);
  EXPECT_EQ(registers().back(), "127.0.0.91");  // the unregistration, nothing after
}

}  // namespace
}  // namespace vto::app
