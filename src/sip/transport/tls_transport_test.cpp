// SIP over TLS in AsioTransport: the listener, framing after the handshake, connection
// reuse, the caps, and outgoing connections that verify whom they reach.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "../../../tests/support/run_io_until.h"
#include "sip/transport/asio_transport.h"
#include "web/tls_certificate.h"

using namespace vto::sip;
namespace asio = boost::asio;
namespace ssl = asio::ssl;

namespace {

const vto::web::TlsIdentity& station_identity() {
  static const auto identity = *vto::web::make_self_signed({"station", {}, {"127.0.0.1"}, 30});
  return identity;
}
const vto::web::TlsIdentity& platform_identity() {
  static const auto identity = *vto::web::make_self_signed({"platform", {}, {"127.0.0.1"}, 30});
  return identity;
}

// A certificate authority of the test's own, issuing server certificates for an address.
struct TestCa {
  struct Free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
    void operator()(X509* x) const { X509_free(x); }
    void operator()(BIO* b) const { BIO_free(b); }
  };
  std::unique_ptr<EVP_PKEY, Free> key{EVP_EC_gen("P-256")};
  std::unique_ptr<X509, Free> cert{X509_new()};
  std::string certificate_pem;

  TestCa() {
    fill(cert.get(), "test CA", key.get());
    add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign");
    X509_sign(cert.get(), key.get(), EVP_sha256());
    certificate_pem = pem(cert.get());
  }

  vto::web::TlsIdentity issue(const std::string& ip) const {
    std::unique_ptr<EVP_PKEY, Free> leaf_key{EVP_EC_gen("P-256")};
    std::unique_ptr<X509, Free> leaf{X509_new()};
    fill(leaf.get(), "platform " + ip, leaf_key.get());
    X509_set_issuer_name(leaf.get(), X509_get_subject_name(cert.get()));
    add_extension(leaf.get(), cert.get(), NID_subject_alt_name, "IP:" + ip);
    X509_sign(leaf.get(), key.get(), EVP_sha256());
    std::unique_ptr<BIO, Free> bio{BIO_new(BIO_s_mem())};
    PEM_write_bio_PrivateKey(bio.get(), leaf_key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return {pem(leaf.get()), std::string(data, static_cast<std::size_t>(n))};
  }

  static void fill(X509* x, const std::string& cn, EVP_PKEY* k) {
    static long serial = 1;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), ++serial);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_set_pubkey(x, k);
  }
  static void add_extension(X509* x, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, x, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  static std::string pem(X509* x) {
    std::unique_ptr<BIO, Free> bio{BIO_new(BIO_s_mem())};
    PEM_write_bio_X509(bio.get(), x);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
  }
};

std::string options(std::string_view transport, std::string_view branch) {
  return "OPTIONS sip:127.0.0.1 SIP/2.0\r\n"
         "Via: SIP/2.0/" +
         std::string(transport) + " 10.9.9.9:5999;branch=" + std::string(branch) +
         ";rport\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:a@127.0.0.1>;tag=1\r\n"
         "To: <sip:b@127.0.0.1>\r\n"
         "Call-ID: " +
         std::string(branch) +
         "\r\n"
         "CSeq: 1 OPTIONS\r\n"
         "Content-Length: 0\r\n\r\n";
}

class TlsTransportTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(serve(config()).ok()); }

  static TransportConfig config(const vto::web::TlsIdentity& id = station_identity()) {
    TransportConfig cfg;
    cfg.listen_ip = "127.0.0.1";
    cfg.port = 0;
    cfg.tls_port = 0;
    cfg.tls_certificate_pem = id.certificate_pem;
    cfg.tls_private_key_pem = id.private_key_pem;
    return cfg;
  }

  // (Re)starts the transport under test; it answers every request with a 200.
  vto::Result<void> serve(TransportConfig cfg) {
    transport.reset();
    transport = std::make_unique<AsioTransport>(io, std::move(cfg));
    auto started = transport->start();
    if (!started) return started;
    transport->set_handler([this](Message&& m, const Peer& from) {
      from_peers.push_back(from);
      if (m.is_request()) {
        auto reply = make_response(m, 200, "OK", "srv");
        auto dest = response_destination(reply, from);
        if (dest) (void)transport->send(reply.serialize(), *dest);
      }
    });
    return started;
  }

  asio::ip::tcp::endpoint tls_endpoint() const {
    return {asio::ip::make_address("127.0.0.1"), transport->local(Transport::Tls).port};
  }

  template <typename Done>
  bool run_until(Done done, std::chrono::milliseconds limit = std::chrono::milliseconds(3000)) {
    return vto::test::run_io_until(io, done, limit);
  }

  // A phone's side of a TLS connection, driven by the same loop as the transport.
  struct Client {
    explicit Client(asio::io_context& io, const std::string& trusted_pem) : ctx(make(trusted_pem)) {
      stream = std::make_unique<ssl::stream<asio::ip::tcp::socket>>(io, ctx);
    }
    static ssl::context make(const std::string& trusted_pem) {
      ssl::context c(ssl::context::tls_client);
      c.add_certificate_authority(asio::buffer(trusted_pem));
      X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(c.native_handle()), X509_V_FLAG_PARTIAL_CHAIN);
      c.set_verify_mode(ssl::verify_peer);
      return c;
    }
    ssl::context ctx;
    std::unique_ptr<ssl::stream<asio::ip::tcp::socket>> stream;
    std::string in;
    bool closed = false;
    std::array<char, 4096> buf{};

    void read() {
      stream->async_read_some(asio::buffer(buf),
                              [this](const boost::system::error_code& ec, std::size_t n) {
                                if (ec) {
                                  closed = true;
                                  return;
                                }
                                in.append(buf.data(), n);
                                read();
                              });
    }
  };

  // Connects and handshakes; nullopt when connect or handshake failed (error in `why`).
  bool connect(Client& c, std::string* why = nullptr) {
    bool done = false;
    boost::system::error_code result;
    c.stream->next_layer().async_connect(tls_endpoint(), [&](const boost::system::error_code& ec) {
      if (ec) {
        result = ec;
        done = true;
        return;
      }
      c.stream->async_handshake(ssl::stream_base::client, [&](const boost::system::error_code& e) {
        result = e;
        done = true;
      });
    });
    if (!run_until([&] { return done; })) return false;
    if (result) {
      if (why) *why = result.message();
      return false;
    }
    c.read();
    return true;
  }

  void send(Client& c, const std::string& bytes) {
    bool done = false;
    asio::async_write(*c.stream, asio::buffer(bytes),
                      [&](const boost::system::error_code&, std::size_t) { done = true; });
    ASSERT_TRUE(run_until([&] { return done; }));
  }

  asio::io_context io;
  std::unique_ptr<AsioTransport> transport;
  std::vector<Peer> from_peers;
};

}  // namespace

TEST_F(TlsTransportTest, RequestOverTlsIsAnsweredOnItsConnection) {
  EXPECT_NE(transport->local(Transport::Tls).port, 0);
  EXPECT_NE(transport->local(Transport::Tls).port, transport->local(Transport::Udp).port);
  Client phone(io, station_identity().certificate_pem);
  ASSERT_TRUE(connect(phone));
  // Two messages in one write: framed exactly as on TCP.
  send(phone, options("TLS", "z9hG4bKtls1") + options("TLS", "z9hG4bKtls2"));
  ASSERT_TRUE(run_until([&] { return phone.in.find("z9hG4bKtls2") != std::string::npos; }))
      << phone.in;
  EXPECT_TRUE(phone.in.starts_with("SIP/2.0 200 OK")) << phone.in;
  ASSERT_EQ(from_peers.size(), 2U);
  EXPECT_EQ(from_peers[0].transport, Transport::Tls);
  EXPECT_NE(from_peers[0].connection, 0U);
  EXPECT_EQ(transport->connection_count(), 1U);
}

TEST_F(TlsTransportTest, RequestToAPhoneThatConnectedOverTlsReusesItsConnection) {
  Client phone(io, station_identity().certificate_pem);
  ASSERT_TRUE(connect(phone));
  send(phone, options("TLS", "z9hG4bKreg"));
  ASSERT_TRUE(run_until([&] { return phone.in.find("200 OK") != std::string::npos; }));
  ASSERT_EQ(from_peers.size(), 1U);
  phone.in.clear();
  // By the connection it came on, and by its address alone.
  Peer by_address = from_peers[0];
  by_address.connection = 0;
  for (const Peer& to : {from_peers[0], by_address}) {
    ASSERT_TRUE(transport->send(options("TLS", "z9hG4bKout"), to).ok());
    ASSERT_TRUE(run_until([&] { return phone.in.find("z9hG4bKout") != std::string::npos; }));
    EXPECT_TRUE(phone.in.starts_with("OPTIONS sip:")) << phone.in;
    phone.in.clear();
  }
  EXPECT_EQ(transport->connection_count(), 1U);
  EXPECT_EQ(transport->connection_to(by_address), from_peers[0].connection);
}

TEST_F(TlsTransportTest, PlainTextOnTheTlsPortIsNeverReadAsSip) {
  asio::ip::tcp::socket plain(io);
  plain.connect(tls_endpoint());
  const std::string bytes = options("TCP", "z9hG4bKplain");
  asio::write(plain, asio::buffer(bytes));
  bool closed = false;
  std::array<char, 512> buf{};
  plain.async_read_some(asio::buffer(buf), [&](const boost::system::error_code& ec, std::size_t) {
    if (ec) closed = true;
  });
  // Whatever the server sends (a TLS alert), it closes, and nothing reached the handler.
  EXPECT_TRUE(run_until([&] { return closed; }));
  EXPECT_TRUE(from_peers.empty());
  EXPECT_TRUE(run_until([&] { return transport->connection_count() == 0; }));
}

TEST_F(TlsTransportTest, AClientThatNeverHandshakesIsClosedAfterTheHandshakeTimeout) {
  TransportConfig cfg = config();
  cfg.handshake_timeout = std::chrono::seconds(1);
  ASSERT_TRUE(serve(cfg).ok());
  asio::ip::tcp::socket idle(io);
  idle.connect(tls_endpoint());
  ASSERT_TRUE(run_until([&] { return transport->connection_count() == 1; }));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(run_until([&] { return transport->connection_count() == 0; },
                        std::chrono::milliseconds(3000)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(800));
}

TEST_F(TlsTransportTest, TlsConnectionsCountInTheSameCapsAsTcp) {
  TransportConfig cfg = config();
  cfg.max_connections_per_source = 2;
  ASSERT_TRUE(serve(cfg).ok());
  asio::ip::tcp::socket tcp(io);
  tcp.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                      transport->local(Transport::Tcp).port));
  ASSERT_TRUE(run_until([&] { return transport->connection_count() == 1; }));
  Client first(io, station_identity().certificate_pem);
  ASSERT_TRUE(connect(first));
  Client third(io, station_identity().certificate_pem);
  EXPECT_FALSE(connect(third));  // the source already holds its two
  EXPECT_EQ(transport->connection_count(), 2U);
}

TEST_F(TlsTransportTest, AnUnusableIdentityIsRefusedAtStart) {
  TransportConfig cfg = config();
  cfg.tls_private_key_pem = platform_identity().private_key_pem;  // not the certificate's
  auto started = serve(cfg);
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message.find("SIP TLS"), std::string::npos) << started.error().message;
}

class TlsOutboundTest : public TlsTransportTest {
 protected:
  void SetUp() override {
    TlsTransportTest::SetUp();
    platform = std::make_unique<AsioTransport>(io, config(platform_identity()));
    ASSERT_TRUE(platform->start().ok());
    platform->set_handler([this](Message&& m, const Peer& from) {
      at_platform.push_back(std::string(m.call_id()));
      platform_from.push_back(from);
    });
    platform_peer = Peer{Transport::Tls, "127.0.0.1", platform->local(Transport::Tls).port, 0};
  }

  void restart_platform(const vto::web::TlsIdentity& id) {
    platform = std::make_unique<AsioTransport>(io, config(id));
    ASSERT_TRUE(platform->start().ok());
    platform->set_handler(
        [this](Message&& m, const Peer&) { at_platform.push_back(std::string(m.call_id())); });
    platform_peer.port = platform->local(Transport::Tls).port;
  }

  // We verify the platform with `certificate_pem` (its own, pinned, or a CA's).
  vto::Result<void> trust_platform(const std::string& certificate_pem) {
    return transport->set_tls_trust({{"127.0.0.1", platform_peer.port, certificate_pem}});
  }

  std::unique_ptr<AsioTransport> platform;
  Peer platform_peer;
  std::vector<std::string> at_platform;
  std::vector<Peer> platform_from;
};

TEST_F(TlsOutboundTest, NoConnectionIsOpenedToAPeerWithoutTrust) {
  auto sent = transport->send(options("TLS", "z9hG4bKnotrust"), platform_peer);
  ASSERT_FALSE(sent.ok());
  EXPECT_NE(sent.error().message.find("no certificate to verify"), std::string::npos);
  EXPECT_EQ(transport->connection_count(), 0U);
}

TEST_F(TlsOutboundTest, APinnedCertificateIsReachedAndItsAnswersComeBackOnTheConnection) {
  ASSERT_TRUE(trust_platform(platform_identity().certificate_pem).ok());
  ASSERT_TRUE(transport->send(options("TLS", "z9hG4bKpin"), platform_peer).ok());
  ASSERT_TRUE(run_until([&] { return !at_platform.empty(); }));
  EXPECT_EQ(at_platform[0], "z9hG4bKpin");
  // The platform's own request goes back over the connection we opened.
  ASSERT_TRUE(platform->send(options("TLS", "z9hG4bKback"), platform_from[0]).ok());
  ASSERT_TRUE(run_until([&] { return from_peers.size() == 1; }));
  EXPECT_EQ(from_peers[0].connection, transport->connection_to(platform_peer));
  EXPECT_EQ(transport->connection_count(), 1U);
  EXPECT_EQ(platform->connection_count(), 1U);
}

TEST_F(TlsOutboundTest, ACertificateThatIsNotTrustedGetsNothing) {
  // We pin the station's certificate; the platform shows its own.
  ASSERT_TRUE(trust_platform(station_identity().certificate_pem).ok());
  ASSERT_TRUE(transport->send(options("TLS", "z9hG4bKwrong"), platform_peer).ok());
  EXPECT_TRUE(run_until([&] { return transport->connection_count() == 0; }));
  EXPECT_FALSE(run_until([&] { return !at_platform.empty(); }, std::chrono::milliseconds(300)));
}

TEST_F(TlsOutboundTest, ACertificateFromATrustedCaMustNameTheAddressItIsReachedAt) {
  const TestCa ca;
  // Names the platform's address: accepted through the CA.
  restart_platform(ca.issue("127.0.0.1"));
  ASSERT_TRUE(trust_platform(ca.certificate_pem).ok());
  ASSERT_TRUE(transport->send(options("TLS", "z9hG4bKnamed"), platform_peer).ok());
  ASSERT_TRUE(run_until([&] { return !at_platform.empty(); }));

  // The same CA's certificate for another host: refused, though the chain verifies.
  at_platform.clear();
  restart_platform(ca.issue("10.1.2.3"));
  ASSERT_TRUE(trust_platform(ca.certificate_pem).ok());
  ASSERT_TRUE(transport->send(options("TLS", "z9hG4bKother"), platform_peer).ok());
  EXPECT_TRUE(run_until([&] { return transport->connection_count() == 0; }));
  EXPECT_FALSE(run_until([&] { return !at_platform.empty(); }, std::chrono::milliseconds(300)));

  // Pinning that very certificate is the installer's explicit choice: accepted.
  const auto pinned = ca.issue("10.1.2.3");
  restart_platform(pinned);
  ASSERT_TRUE(trust_platform(pinned.certificate_pem).ok());
  ASSERT_TRUE(transport->send(options("TLS", "z9hG4bKpinned"), platform_peer).ok());
  ASSERT_TRUE(run_until([&] { return !at_platform.empty(); }));
}

TEST_F(TlsOutboundTest, TrustNeedsACertificate) {
  auto r = transport->set_tls_trust({{"127.0.0.1", 5061, "not a certificate"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no PEM certificate"), std::string::npos);
}

TEST_F(TlsOutboundTest, AConnectionThatNeverCameUpIsReportedAsAFailure) {
  std::vector<Peer> failed;
  transport->set_failure_handler([&](const Peer& to) { failed.push_back(to); });
  ASSERT_TRUE(trust_platform(station_identity().certificate_pem).ok());
  ASSERT_TRUE(transport->send(options("TLS", "z9hG4bKfail"), platform_peer).ok());
  ASSERT_TRUE(run_until([&] { return !failed.empty(); }));
  EXPECT_EQ(failed[0], platform_peer);
  // A connection that worked and closed later is not a failure of what it carried.
  failed.clear();
  ASSERT_TRUE(trust_platform(platform_identity().certificate_pem).ok());
  ASSERT_TRUE(transport->send(options("TLS", "z9hG4bKgood"), platform_peer).ok());
  ASSERT_TRUE(run_until([&] { return !at_platform.empty(); }));
  platform.reset();
  EXPECT_TRUE(run_until([&] { return transport->connection_count() == 0; }));
  EXPECT_TRUE(failed.empty());
}

TEST_F(TlsTransportTest, AConnectionFromAVerifiedPeersAddressNeverCarriesRequestsToIt) {
  // The attacker connects to us from the address the platform is known at (here: a port
  // of its own, named as the platform's), and completes a handshake as any client can.
  Client attacker(io, station_identity().certificate_pem);
  attacker.stream->next_layer().open(asio::ip::tcp::v4());
  attacker.stream->next_layer().bind({asio::ip::make_address("127.0.0.1"), 0});
  const std::uint16_t spoofed = attacker.stream->next_layer().local_endpoint().port();
  ASSERT_TRUE(connect(attacker));
  ASSERT_TRUE(run_until([&] { return transport->connection_count() == 1; }));
  const Peer platform{Transport::Tls, "127.0.0.1", spoofed, 0};
  ASSERT_TRUE(
      transport->set_tls_trust({{"127.0.0.1", spoofed, platform_identity().certificate_pem}}).ok());
  EXPECT_EQ(transport->connection_to(platform), 0U) << "not the platform's own connection";
  std::vector<Peer> failed;
  transport->set_failure_handler([&](const Peer& to) { failed.push_back(to); });
  ASSERT_TRUE(transport->send(options("TLS", "z9hG4bKkeys"), platform).ok());
  // A connection of our own to the platform is tried (nothing listens there: it fails).
  EXPECT_TRUE(run_until([&] { return !failed.empty(); }));
  EXPECT_EQ(attacker.in.find("z9hG4bKkeys"), std::string::npos) << attacker.in;
}

TEST_F(TlsTransportTest, HandshakesFromOneSourceAreLimitedPerSecond) {
  TransportConfig cfg = config();
  cfg.max_tls_handshakes_per_source = 3;
  ASSERT_TRUE(serve(cfg).ok());
  std::vector<std::unique_ptr<asio::ip::tcp::socket>> sockets;
  for (int i = 0; i < 6; ++i) {
    sockets.push_back(std::make_unique<asio::ip::tcp::socket>(io));
    sockets.back()->connect(tls_endpoint());
  }
  run_until([] { return false; }, std::chrono::milliseconds(200));
  EXPECT_EQ(transport->connection_count(), 3U);
}

TEST_F(TlsOutboundTest, ANewCertificateForAPeerClosesTheConnectionMadeUnderTheOld) {
  ASSERT_TRUE(trust_platform(platform_identity().certificate_pem).ok());
  ASSERT_TRUE(transport->send(options("TLS", "z9hG4bKold"), platform_peer).ok());
  ASSERT_TRUE(run_until([&] { return !at_platform.empty(); }));
  EXPECT_NE(transport->connection_to(platform_peer), 0U);
  ASSERT_TRUE(trust_platform(station_identity().certificate_pem).ok());
  EXPECT_EQ(transport->connection_to(platform_peer), 0U);
  EXPECT_TRUE(run_until([&] { return transport->connection_count() == 0; }));
}
