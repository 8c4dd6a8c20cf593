#include "sip/transport/asio_transport.h"

#include "../../../tests/support/run_io_until.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

using namespace vto::sip;
namespace asio = boost::asio;

namespace {

std::string options(std::string_view via_extra = ";rport") {
  return "OPTIONS sip:127.0.0.1 SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 10.9.9.9:5999;branch=z9hG4bKt1" +
         std::string(via_extra) +
         "\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:a@127.0.0.1>;tag=1\r\n"
         "To: <sip:b@127.0.0.1>\r\n"
         "Call-ID: t1\r\n"
         "CSeq: 1 OPTIONS\r\n"
         "Content-Length: 0\r\n\r\n";
}

struct Received {
  std::vector<std::string> vias;
  std::vector<Peer> from;
};

class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TransportConfig cfg;
    cfg.listen_ip = "127.0.0.1";
    cfg.port = 0;
    ASSERT_TRUE(serve(cfg).ok());
  }

  // (Re)starts the transport under test; it answers every request with a 200.
  vto::Result<void> serve(TransportConfig cfg) {
    transport.reset();
    transport = std::make_unique<AsioTransport>(io, std::move(cfg));
    auto started = transport->start();
    if (!started) return started;
    transport->set_handler([this](Message&& m, const Peer& from) {
      got.vias.emplace_back(*m.header(HeaderId::Via));
      got.from.push_back(from);
      if (m.is_request()) {
        auto reply = make_response(m, 200, "OK", "srv");
        auto dest = response_destination(reply, from);
        if (dest) (void)transport->send(reply.serialize(), *dest);
      }
    });
    return started;
  }
  std::uint16_t port() const { return transport->local(Transport::Udp).port; }
  asio::ip::tcp::endpoint tcp_server() const {
    return {asio::ip::make_address("127.0.0.1"), port()};
  }

  // Runs the loop until `done` or `limit`: no test waits longer than it must.
  template <typename Done>
  bool run_until(Done done, std::chrono::milliseconds limit = std::chrono::milliseconds(2000)) {
    return vto::test::run_io_until(io, done, limit);
  }

  asio::io_context io;
  std::unique_ptr<AsioTransport> transport;
  Received got;
};

// What a client socket has received so far (it never blocks); `closed` when the peer
// closed the connection.
template <typename Socket>
std::string drain(Socket& s, bool* closed = nullptr) {
  s.non_blocking(true);
  std::string in;
  std::array<char, 4096> buf{};
  for (;;) {
    boost::system::error_code ec;
    std::size_t n = s.read_some(asio::buffer(buf), ec);
    if (ec) {
      if (closed) *closed = ec != asio::error::would_block;
      return in;
    }
    in.append(buf.data(), n);
  }
}

std::string udp_receive(asio::ip::udp::socket& s) {
  s.non_blocking(true);
  std::array<char, 4096> buf{};
  asio::ip::udp::endpoint from;
  boost::system::error_code ec;
  std::size_t n = s.receive_from(asio::buffer(buf), from, 0, ec);
  return ec ? std::string() : std::string(buf.data(), n);
}

std::string tcp_options(std::string_view branch) {
  std::string m = options("");
  m.replace(m.find("UDP"), 3, "TCP");
  m.replace(m.find("z9hG4bKt1"), 9, branch);
  return m;
}

}  // namespace

TEST_F(TransportTest, UdpRequestGetsReceivedAndRportAndAnswerGoesToSource) {
  asio::ip::udp::socket client(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::string msg = options();
  client.send_to(asio::buffer(msg),
                 asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), port()));
  io.run_for(std::chrono::milliseconds(200));
  ASSERT_EQ(got.vias.size(), 1u);
  std::string expected = "rport=" + std::to_string(client.local_endpoint().port());
  EXPECT_NE(got.vias[0].find(expected), std::string::npos) << got.vias[0];
  EXPECT_NE(got.vias[0].find("received=127.0.0.1"), std::string::npos) << got.vias[0];
  // The answer reaches the real source port, not the 10.9.9.9:5999 written in Via.
  client.non_blocking(true);
  std::array<char, 4096> buf{};
  asio::ip::udp::endpoint from;
  boost::system::error_code ec;
  std::size_t n = client.receive_from(asio::buffer(buf), from, 0, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(std::string_view(buf.data(), n).starts_with("SIP/2.0 200 OK"));
}

TEST_F(TransportTest, MalformedUdpRequestIsAnsweredWith400AndNotDelivered) {
  asio::ip::udp::socket client(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::string msg = options();
  msg.replace(msg.find("CSeq: 1 OPTIONS"), 15, "CSeq: x OPTIONS");
  client.send_to(asio::buffer(msg),
                 asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), port()));
  io.run_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(got.vias.empty());
  client.non_blocking(true);
  std::array<char, 4096> buf{};
  asio::ip::udp::endpoint from;
  boost::system::error_code ec;
  std::size_t n = client.receive_from(asio::buffer(buf), from, 0, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(std::string_view(buf.data(), n).starts_with("SIP/2.0 400"))
      << std::string_view(buf.data(), n);
}

TEST_F(TransportTest, GarbageDatagramsNeverStopTheReceiver) {
  asio::ip::udp::socket client(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto dest = asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), port());
  for (std::string junk : {std::string("\0\0\0", 3), std::string("INVITE"), std::string(3000, 'x'),
                           std::string("SIP/2.0 200 OK\r\n\r\n")}) {
    client.send_to(asio::buffer(junk), dest);
  }
  std::string msg = options();
  client.send_to(asio::buffer(msg), dest);
  io.run_for(std::chrono::milliseconds(200));
  EXPECT_EQ(got.vias.size(), 1u);
}

TEST_F(TransportTest, TcpFramesTwoMessagesInOneWriteAndAnswersOnSameConnection) {
  asio::ip::tcp::socket client(io);
  client.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port()));
  std::string one = options("");
  one.replace(one.find("UDP"), 3, "TCP");
  std::string two = one;
  two.replace(two.find("z9hG4bKt1"), 9, "z9hG4bKt2");
  std::string both = "\r\n\r\n" + one + two;  // a keep-alive first
  asio::write(client, asio::buffer(both));
  io.run_for(std::chrono::milliseconds(300));
  ASSERT_EQ(got.vias.size(), 2u);
  EXPECT_EQ(got.from[0].transport, Transport::Tcp);
  EXPECT_EQ(got.from[0].connection, got.from[1].connection);
  EXPECT_EQ(transport->connection_count(), 1u);
  client.non_blocking(true);
  std::string in(8192, '\0');
  boost::system::error_code ec;
  std::size_t n = client.read_some(asio::buffer(in), ec);
  in.resize(n);
  EXPECT_NE(in.find("SIP/2.0 200 OK"), std::string::npos) << in;
}

TEST_F(TransportTest, TcpWithoutContentLengthIsClosed) {
  asio::ip::tcp::socket client(io);
  client.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port()));
  std::string bad = options("");
  bad.replace(bad.find("Content-Length: 0\r\n"), 19, "");
  asio::write(client, asio::buffer(bad));
  io.run_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(got.vias.empty());
  EXPECT_EQ(transport->connection_count(), 0u);
}

TEST_F(TransportTest, RportAnswerGoesToTheSourcePortNotTheViaPort) {
  const auto loopback = asio::ip::make_address("127.0.0.1");
  asio::ip::udp::socket client(io, asio::ip::udp::endpoint(loopback, 0));
  asio::ip::udp::socket via_port(io, asio::ip::udp::endpoint(loopback, 0));
  std::string msg = options("");
  msg.replace(
      msg.find("10.9.9.9:5999;branch=z9hG4bKt1"), 30,
      "127.0.0.1:" + std::to_string(via_port.local_endpoint().port()) + ";branch=z9hG4bKt1;rport");
  client.send_to(asio::buffer(msg), asio::ip::udp::endpoint(loopback, port()));
  std::string answer;
  ASSERT_TRUE(run_until([&] { return !(answer = udp_receive(client)).empty(); }));
  EXPECT_TRUE(answer.starts_with("SIP/2.0 200 OK")) << answer;
  ASSERT_EQ(got.vias.size(), 1U);
  // RFC 3581 §4: received is added even though the Via host is the source address.
  EXPECT_NE(got.vias[0].find(";rport=" + std::to_string(client.local_endpoint().port()) +
                             ";received=127.0.0.1"),
            std::string::npos)
      << got.vias[0];
  EXPECT_NE(answer.find("rport=" + std::to_string(client.local_endpoint().port())),
            std::string::npos);
  EXPECT_TRUE(udp_receive(via_port).empty());
}

TEST_F(TransportTest, WithoutRportTheAnswerGoesToTheViaPort) {
  const auto loopback = asio::ip::make_address("127.0.0.1");
  asio::ip::udp::socket client(io, asio::ip::udp::endpoint(loopback, 0));
  asio::ip::udp::socket via_port(io, asio::ip::udp::endpoint(loopback, 0));
  std::string msg = options("");
  msg.replace(msg.find("10.9.9.9:5999"), 13,
              "127.0.0.1:" + std::to_string(via_port.local_endpoint().port()));
  client.send_to(asio::buffer(msg), asio::ip::udp::endpoint(loopback, port()));
  std::string answer;
  ASSERT_TRUE(run_until([&] { return !(answer = udp_receive(via_port)).empty(); }));
  EXPECT_TRUE(answer.starts_with("SIP/2.0 200 OK")) << answer;
  ASSERT_EQ(got.vias.size(), 1U);
  EXPECT_EQ(got.vias[0].find("rport"), std::string::npos) << got.vias[0];
  EXPECT_EQ(got.vias[0].find("received"), std::string::npos) << got.vias[0];
  EXPECT_TRUE(udp_receive(client).empty());
}

TEST_F(TransportTest, Ipv6UdpRequestInResponseOut) {
  TransportConfig cfg;
  cfg.listen_ip = "::1";
  cfg.port = 0;
  if (!serve(cfg).ok()) GTEST_SKIP() << "cannot bind [::1]";
  EXPECT_EQ(transport->local(Transport::Udp).host, "[::1]");
  const auto loopback = asio::ip::make_address("::1");
  asio::ip::udp::socket client(io, asio::ip::udp::endpoint(loopback, 0));
  std::string msg = options();
  msg.replace(msg.find("10.9.9.9:5999"), 13, "[::1]:5999");
  client.send_to(asio::buffer(msg), asio::ip::udp::endpoint(loopback, port()));
  std::string answer;
  ASSERT_TRUE(run_until([&] { return !(answer = udp_receive(client)).empty(); }));
  EXPECT_TRUE(answer.starts_with("SIP/2.0 200 OK")) << answer;
  ASSERT_EQ(got.from.size(), 1U);
  EXPECT_EQ(got.from[0].ip, "::1");
  EXPECT_EQ(got.from[0].port, client.local_endpoint().port());
  EXPECT_NE(
      got.vias[0].find("rport=" + std::to_string(client.local_endpoint().port()) + ";received=::1"),
      std::string::npos)
      << got.vias[0];
}

TEST_F(TransportTest, Ipv6TcpRequestIsAnsweredOnItsConnection) {
  TransportConfig cfg;
  cfg.listen_ip = "::1";
  cfg.port = 0;
  if (!serve(cfg).ok()) GTEST_SKIP() << "cannot bind [::1]";
  asio::ip::tcp::socket client(io);
  client.connect(asio::ip::tcp::endpoint(asio::ip::make_address("::1"), port()));
  std::string msg = tcp_options("z9hG4bKv6");
  msg.replace(msg.find("10.9.9.9:5999"), 13, "[::1]:5999");
  asio::write(client, asio::buffer(msg));
  std::string in;
  ASSERT_TRUE(run_until([&] { return (in += drain(client)).find("\r\n\r\n") != in.npos; }));
  EXPECT_TRUE(in.starts_with("SIP/2.0 200 OK")) << in;
  ASSERT_EQ(got.from.size(), 1U);
  EXPECT_EQ(got.from[0].transport, Transport::Tcp);
  EXPECT_EQ(got.from[0].ip, "::1");
  EXPECT_EQ(transport->connection_count(), 1U);
}

TEST_F(TransportTest, RequestToAPeerThatConnectedToUsReusesItsConnection) {
  asio::ip::tcp::socket client(io);
  client.connect(tcp_server());
  asio::write(client, asio::buffer(tcp_options("z9hG4bKr1")));
  std::string in;
  ASSERT_TRUE(run_until([&] { return (in += drain(client)).find("SIP/2.0 200 OK") != in.npos; }));
  ASSERT_EQ(got.from.size(), 1U);
  EXPECT_EQ(transport->connection_count(), 1U);

  // A request of our own to the phone's address, e.g. an INVITE to its registered
  // source: no new connection, the phone reads it on the socket it opened.
  std::string invite =
      "INVITE sip:101@127.0.0.1 SIP/2.0\r\n"
      "Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKout1\r\n"
      "Max-Forwards: 70\r\n"
      "From: <sip:8001@127.0.0.1>;tag=o1\r\n"
      "To: <sip:101@127.0.0.1>\r\n"
      "Call-ID: out1\r\n"
      "CSeq: 1 INVITE\r\n"
      "Content-Length: 0\r\n\r\n";
  Peer phone{Transport::Tcp, "127.0.0.1", client.local_endpoint().port(), 0};
  ASSERT_TRUE(transport->send(invite, phone).ok());
  in.clear();
  ASSERT_TRUE(run_until([&] { return (in += drain(client)).find("\r\n\r\n") != in.npos; }));
  EXPECT_TRUE(in.starts_with("INVITE sip:101@127.0.0.1")) << in;
  EXPECT_EQ(transport->connection_count(), 1U);

  // The same by the connection id the request arrived with.
  ASSERT_TRUE(transport->send(invite, got.from[0]).ok());
  in.clear();
  ASSERT_TRUE(run_until([&] { return (in += drain(client)).find("\r\n\r\n") != in.npos; }));
  EXPECT_TRUE(in.starts_with("INVITE sip:101@127.0.0.1")) << in;
  EXPECT_EQ(transport->connection_count(), 1U);
}

TEST_F(TransportTest, ConnectionsBeyondTheLimitAreClosedAndOthersStillServed) {
  TransportConfig cfg;
  cfg.listen_ip = "127.0.0.1";
  cfg.port = 0;
  cfg.max_connections = 2;
  ASSERT_TRUE(serve(cfg).ok());

  asio::ip::tcp::socket a(io), b(io), c(io);
  a.connect(tcp_server());
  ASSERT_TRUE(run_until([&] { return transport->connection_count() == 1; }));
  b.connect(tcp_server());
  ASSERT_TRUE(run_until([&] { return transport->connection_count() == 2; }));
  c.connect(tcp_server());
  bool c_closed = false;
  ASSERT_TRUE(run_until([&] {
    drain(c, &c_closed);
    return c_closed;
  }));
  EXPECT_EQ(transport->connection_count(), 2U);

  // Nor may we open one of our own beyond the limit.
  Peer elsewhere{Transport::Tcp, "127.0.0.1", 9, 0};
  EXPECT_FALSE(transport->send("OPTIONS", elsewhere).ok());

  asio::write(a, asio::buffer(tcp_options("z9hG4bKa1")));
  std::string in;
  ASSERT_TRUE(run_until([&] { return (in += drain(a)).find("SIP/2.0 200 OK") != in.npos; }));

  // A slot freed is a slot for the next client.
  a.close();
  ASSERT_TRUE(run_until([&] { return transport->connection_count() == 1; }));
  asio::ip::tcp::socket d(io);
  d.connect(tcp_server());
  asio::write(d, asio::buffer(tcp_options("z9hG4bKd1")));
  in.clear();
  ASSERT_TRUE(run_until([&] { return (in += drain(d)).find("SIP/2.0 200 OK") != in.npos; }));
  EXPECT_EQ(transport->connection_count(), 2U);
}

TEST_F(TransportTest, EndlessHeaderSectionHitsTheBufferLimitAndIsDisconnected) {
  TransportConfig cfg;
  cfg.listen_ip = "127.0.0.1";
  cfg.port = 0;
  cfg.max_buffer = 16 * 1024;  // below the 64 KiB message limit: this limit acts first
  ASSERT_TRUE(serve(cfg).ok());

  asio::ip::tcp::socket attacker(io);
  attacker.connect(tcp_server());
  attacker.non_blocking(true);
  std::string flood = "OPTIONS sip:127.0.0.1 SIP/2.0\r\n";
  while (flood.size() < 48 * 1024) flood += "X-Filler: " + std::string(60, 'a') + "\r\n";
  std::size_t sent = 0;
  bool closed = false;
  ASSERT_TRUE(run_until([&] {
    boost::system::error_code ec;
    if (sent < flood.size()) {
      sent += attacker.write_some(asio::buffer(flood.data() + sent, flood.size() - sent), ec);
      if (ec && ec != asio::error::would_block) return true;  // reset by the server
    }
    drain(attacker, &closed);
    return closed;
  }));
  EXPECT_TRUE(got.vias.empty());
  ASSERT_TRUE(run_until([&] { return transport->connection_count() == 0; }));

  // The transport keeps serving others, on TCP and UDP.
  asio::ip::tcp::socket client(io);
  client.connect(tcp_server());
  asio::write(client, asio::buffer(tcp_options("z9hG4bKok")));
  std::string in;
  ASSERT_TRUE(run_until([&] { return (in += drain(client)).find("SIP/2.0 200 OK") != in.npos; }));
  asio::ip::udp::socket udp_client(io,
                                   asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::string msg = options();
  udp_client.send_to(asio::buffer(msg),
                     asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), port()));
  std::string answer;
  EXPECT_TRUE(run_until([&] { return !(answer = udp_receive(udp_client)).empty(); }));
}

TEST_F(TransportTest, EndlessHeaderSectionHitsTheMessageLimitWithDefaults) {
  asio::ip::tcp::socket attacker(io);
  attacker.connect(tcp_server());
  attacker.non_blocking(true);
  std::string flood = "OPTIONS sip:127.0.0.1 SIP/2.0\r\n";
  while (flood.size() < 96 * 1024) flood += "X-Filler: " + std::string(60, 'a') + "\r\n";
  std::size_t sent = 0;
  bool closed = false;
  ASSERT_TRUE(run_until([&] {
    boost::system::error_code ec;
    if (sent < flood.size()) {
      sent += attacker.write_some(asio::buffer(flood.data() + sent, flood.size() - sent), ec);
      if (ec && ec != asio::error::would_block) return true;
    }
    drain(attacker, &closed);
    return closed;
  }));
  EXPECT_TRUE(got.vias.empty());
  EXPECT_TRUE(run_until([&] { return transport->connection_count() == 0; }));
}

TEST_F(TransportTest, StartOnATakenPortFailsAndNamesTheAddress) {
  TransportConfig cfg;
  cfg.listen_ip = "127.0.0.1";
  cfg.port = port();
  AsioTransport second(io, cfg);
  auto started = second.start();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message.find("127.0.0.1:" + std::to_string(port())), std::string::npos)
      << started.error().message;

  // The transport that holds the port is undisturbed.
  asio::ip::tcp::socket client(io);
  client.connect(tcp_server());
  asio::write(client, asio::buffer(tcp_options("z9hG4bKtaken")));
  std::string in;
  EXPECT_TRUE(run_until([&] { return (in += drain(client)).find("SIP/2.0 200 OK") != in.npos; }));
}
