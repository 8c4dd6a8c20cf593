// libFuzzer target for SIP over TLS: the real AsioTransport listens for TLS with a
// self-signed identity, a client in the same process completes the handshake, and each
// input is written into the encrypted stream in chunks, as a phone that authenticated the
// connection and then sends anything. Whatever arrives is framed and parsed as on TCP;
// the transport must neither crash nor stop serving: after each input an OPTIONS on a
// fresh connection is answered.
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "core/log.h"
#include "sip/transport/asio_transport.h"
#include "web/tls_certificate.h"

using namespace vto::sip;
namespace asio = boost::asio;
namespace ssl = asio::ssl;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

const std::string kOptions =
    "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bKfz\r\n"
    "Max-Forwards: 70\r\nFrom: <sip:f@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
    "Call-ID: fuzz\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

struct World {
  asio::io_context io;
  std::unique_ptr<AsioTransport> transport;
  ssl::context client{ssl::context::tls_client};
  std::uint16_t port = 0;

  World() {
    vto::core::set_log_level("off");
    auto id = vto::web::make_self_signed({"fuzz", {}, {"127.0.0.1"}, 2});
    check(id.ok());
    TransportConfig cfg;
    cfg.listen_ip = "127.0.0.1";
    cfg.port = 0;
    cfg.udp = false;
    cfg.tls_port = 0;
    // Two connections per input, hundreds of inputs a second, all from 127.0.0.1.
    cfg.max_tls_handshakes_per_second = 1000000;
    cfg.max_tls_handshakes_per_source = 1000000;
    cfg.tls_certificate_pem = id->certificate_pem;
    cfg.tls_private_key_pem = id->private_key_pem;
    transport = std::make_unique<AsioTransport>(io, cfg);
    check(transport->start().ok());
    port = transport->local(Transport::Tls).port;
    transport->set_handler([this](Message&& m, const Peer& from) {
      if (!m.is_request()) return;
      auto reply = make_response(m, 200, "OK", "fz");
      if (auto dest = response_destination(reply, from))
        (void)transport->send(reply.serialize(), *dest);
    });
    client.set_verify_mode(ssl::verify_none);  // the attacker's side trusts anything
  }

  template <typename Done>
  bool run_until(Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io.run_for(std::chrono::milliseconds(1));
    }
    return true;
  }

  // A handshaken client connection; nullptr when the handshake fails.
  std::unique_ptr<ssl::stream<asio::ip::tcp::socket>> connect() {
    auto s = std::make_unique<ssl::stream<asio::ip::tcp::socket>>(io, client);
    bool done = false, ok = false;
    s->next_layer().async_connect(
        {asio::ip::make_address("127.0.0.1"), port}, [&](const boost::system::error_code& ec) {
          if (ec) {
            done = true;
            return;
          }
          s->async_handshake(ssl::stream_base::client, [&](const boost::system::error_code& e) {
            ok = !e;
            done = true;
          });
        });
    if (!run_until([&] { return done; }) || !ok) return nullptr;
    return s;
  }
};

World& world() {
  static World w;
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World& w = world();
  auto attacker = w.connect();
  check(attacker != nullptr);
  // The input in chunks whose sizes come from the data, each one a TLS record or more.
  std::size_t pos = 0;
  std::size_t step = size > 0 ? (data[0] % 61) + 1 : 1;
  while (pos < size) {
    const std::size_t n = std::min(step, size - pos);
    bool written = false, failed = false;
    asio::async_write(*attacker, asio::buffer(data + pos, n),
                      [&](const boost::system::error_code& ec, std::size_t) {
                        failed = static_cast<bool>(ec);
                        written = true;
                      });
    if (!w.run_until([&] { return written; }) || failed) break;  // closed on us: fine
    pos += n;
    step = step * 7 % 97 + 1;
  }
  attacker.reset();
  check(w.run_until([&] { return w.transport->connection_count() == 0; }));
  // Still serving: a new connection's OPTIONS is answered.
  auto probe = w.connect();
  check(probe != nullptr);
  bool written = false;
  asio::async_write(*probe, asio::buffer(kOptions),
                    [&](const boost::system::error_code&, std::size_t) { written = true; });
  std::string in;
  std::array<char, 2048> buf{};
  bool answered = false;
  std::function<void()> read = [&] {
    probe->async_read_some(asio::buffer(buf),
                           [&](const boost::system::error_code& ec, std::size_t n) {
                             if (ec) return;
                             in.append(buf.data(), n);
                             if (in.find("\r\n\r\n") != std::string::npos) {
                               answered = true;
                               return;
                             }
                             read();
                           });
  };
  read();
  check(w.run_until([&] { return written && answered; }));
  check(in.starts_with("SIP/2.0 200 OK"));
  probe.reset();
  check(w.run_until([&] { return w.transport->connection_count() == 0; }));
  return 0;
}
