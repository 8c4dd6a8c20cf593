#include "sip/transport/asio_transport.h"

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
    transport = std::make_unique<AsioTransport>(io, cfg);
    ASSERT_TRUE(transport->start().ok());
    transport->set_handler([this](Message&& m, const Peer& from) {
      got.vias.emplace_back(*m.header(HeaderId::Via));
      got.from.push_back(from);
      if (m.is_request()) {
        auto reply = make_response(m, 200, "OK", "srv");
        auto dest = response_destination(reply, from);
        if (dest) (void)transport->send(reply.serialize(), *dest);
      }
    });
  }
  std::uint16_t port() const { return transport->local(Transport::Udp).port; }

  asio::io_context io;
  std::unique_ptr<AsioTransport> transport;
  Received got;
};

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
