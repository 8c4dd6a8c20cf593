#include "api/calls_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "../../tests/support/fake_transport.h"
#include "web/http_server.h"

using namespace std::chrono_literals;
using ::testing::HasSubstr;

namespace vto::api {
namespace {

struct Got {
  int status = 0;
  nlohmann::json body;
};

Got request(std::uint16_t port, boost::beast::http::verb verb, const std::string& target,
            const std::string& body = "") {
  namespace http = boost::beast::http;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http::write(socket, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  return {static_cast<int>(res.result_int()), nlohmann::json::parse(res.body(), nullptr, false)};
}

class CallsApiTest : public ::testing::Test {
 protected:
  CallsApiTest() : tl(timers, transport), locations(timers), ua(tl, config()) {
    sip::Binding b;
    b.aor = "101#0";
    b.contact = "sip:101%230@127.0.0.1:6000";
    b.expires_at = timers.now() + 600s;
    b.source = sip::Peer{sip::Transport::Udp, "127.0.0.1", 6000, 0};
    b.user_agent = "monitor";
    locations.save(b);
    add_call_routes(http, open_routes(), ua, locations, timers, events, [] {
      return SipStatusNow{"sip-server", true};
    });
    EXPECT_TRUE(http.start());
    runner = std::thread([this] { io.run(); });
  }
  ~CallsApiTest() override {
    io.stop();
    runner.join();
  }
  static sip::UaConfig config() {
    sip::UaConfig c;
    c.user = "8001";
    c.domain = "VDP";
    c.server = sip::Peer{sip::Transport::Udp, "127.0.0.1", 5060, 0};
    return c;
  }
  std::uint16_t port() { return http.port(); }

  core::ManualTimers timers;
  test::FakeTransport transport;
  sip::TransactionLayer tl;
  sip::MemoryLocationStore locations;
  sip::UserAgent ua;
  CallEvents events;
  boost::asio::io_context io;
  web::HttpServer http{io, web::HttpConfig{"127.0.0.1", 0}};
  std::thread runner;
};

using Verb = boost::beast::http::verb;

TEST_F(CallsApiTest, HealthSaysTheModeAndRegistration) {
  const Got got = request(port(), Verb::get, "/api/v1/health");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body["status"], "ok");
  EXPECT_EQ(got.body["mode"], "sip-server");
  EXPECT_EQ(got.body["registered"], true);
}

TEST_F(CallsApiTest, RegistrationsAreListedByPrefix) {
  Got got = request(port(), Verb::get, "/api/v1/registrations?aor=101");
  ASSERT_EQ(got.status, 200);
  ASSERT_EQ(got.body["registrations"].size(), 1u);
  EXPECT_EQ(got.body["registrations"][0]["aor"], "101#0");
  EXPECT_EQ(got.body["registrations"][0]["expires"], 600);
  EXPECT_EQ(got.body["registrations"][0]["source"], "127.0.0.1:6000");
  got = request(port(), Verb::get, "/api/v1/registrations?aor=102");
  EXPECT_TRUE(got.body["registrations"].empty());
  EXPECT_EQ(request(port(), Verb::get, "/api/v1/registrations?aor=%zz").status, 400);
}

TEST_F(CallsApiTest, ACallGoesOutAndCanBeHungUp) {
  Got got = request(port(), Verb::post, "/api/v1/calls", R"({"to":"101"})");
  ASSERT_EQ(got.status, 202);
  EXPECT_EQ(got.body["to"], "101");
  const auto id = got.body["call"].get<std::uint64_t>();
  EXPECT_GT(id, 0u);
  got = request(port(), Verb::delete_, "/api/v1/calls/" + std::to_string(id));
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body["state"], "hung up");
  io.stop();  // the user agent's state is read on this thread from here on
  runner.join();
  runner = std::thread([] {});
  EXPECT_EQ(transport.count_starting("INVITE sip:101@"), 1u);
}

TEST_F(CallsApiTest, BadCallsAreRefused) {
  EXPECT_EQ(request(port(), Verb::post, "/api/v1/calls", "[]").status, 400);
  EXPECT_EQ(request(port(), Verb::post, "/api/v1/calls", R"({"to":7})").status, 400);
  EXPECT_EQ(request(port(), Verb::post, "/api/v1/calls", R"({"to":""})").status, 400);
  Got got = request(port(), Verb::post, "/api/v1/calls", R"({"to":"101@evil.example"})");
  EXPECT_EQ(got.status, 400);
  EXPECT_THAT(got.body["error"].get<std::string>(), HasSubstr("room, device or VTO"));
  EXPECT_EQ(request(port(), Verb::delete_, "/api/v1/calls/x").status, 400);
  EXPECT_EQ(request(port(), Verb::delete_, "/api/v1/calls/999").status, 404);
}

TEST(CallEvents, KeepsTheLastHundred) {
  CallEvents events;
  for (int i = 0; i < 150; ++i) events.add({{"n", i}});
  const auto list = events.list();
  ASSERT_EQ(list.size(), CallEvents::kKept);
  EXPECT_EQ(list.front()["n"], 50);
  EXPECT_EQ(list.back()["n"], 149);
}

TEST(EventJson, NamesTheEventAndOnlyWhatItCarries) {
  sip::UaEvent e{sip::UaEvent::Type::Rejected, 3, 486, "sip:101@VDP", "Busy Here", {}, {}};
  EXPECT_EQ(event_json(e), (nlohmann::json{{"event", "rejected"},
                                           {"call", 3},
                                           {"status", 486},
                                           {"peer", "sip:101@VDP"},
                                           {"reason", "Busy Here"}}));
  EXPECT_EQ(event_json(sip::UaEvent{sip::UaEvent::Type::Registered, 0, 0, {}, {}, {}, {}}),
            (nlohmann::json{{"event", "registered"}}));
}

}  // namespace
}  // namespace vto::api
