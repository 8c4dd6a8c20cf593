#include "web/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <functional>
#include <set>
#include <thread>

#include "web/tls_certificate.h"

namespace vto::web {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Got {
  int status = 0;
  std::string body;
  std::string location;
  std::string content_length;
  std::string hsts;  // Strict-Transport-Security
};

http::request<http::string_body> make_request(http::verb verb, const std::string& target,
                                              const std::string& host) {
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, host);
  req.set("X-Custom-Thing", "Value");
  req.keep_alive(false);
  return req;
}

Got to_got(const http::response<http::string_body>& res) {
  return {static_cast<int>(res.result_int()), res.body(), std::string(res[http::field::location]),
          std::string(res[http::field::content_length]),
          std::string(res["Strict-Transport-Security"])};
}

Got plain_request(std::uint16_t port, http::verb verb, const std::string& target,
                  const std::string& host = "127.0.0.1") {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  http::write(socket, make_request(verb, target, host));
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.skip(verb == http::verb::head);
  http::read(socket, buffer, parser);
  return to_got(parser.get());
}

Got tls_request(std::uint16_t port, http::verb verb, const std::string& target) {
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);  // a self-signed test certificate
  beast::ssl_stream<tcp::socket> stream(io, ctx);
  stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  stream.handshake(asio::ssl::stream_base::client);
  http::write(stream, make_request(verb, target, "127.0.0.1"));
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return to_got(res);
}

// The server started, and its io_context run on a thread until the end of the test.
class Running {
 public:
  Running(HttpServer& server, asio::io_context& io) : io_(io) {
    EXPECT_TRUE(server.start());
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Running() {
    io_.stop();
    thread_.join();
  }

 private:
  asio::io_context& io_;
  std::thread thread_;
};

TlsIdentity test_identity() {
  SelfSignedConfig o;
  o.ip_addresses = {"127.0.0.1"};
  auto id = make_self_signed(o);
  EXPECT_TRUE(id);
  return *id;
}

// Loopback, any port, HTTPS with `id`.
HttpConfig tls_config(const TlsIdentity& id) {
  HttpConfig cfg{"127.0.0.1", 0};
  cfg.tls_certificate_pem = id.certificate_pem;
  cfg.tls_private_key_pem = id.private_key_pem;
  return cfg;
}

TEST(HttpServerTest, ServesRoutesOverTlsAndSeesHeaders) {
  asio::io_context io;
  auto id = test_identity();
  HttpServer server(io, tls_config(id));
  server.route("GET", "/hello", [](const HttpRequest& req) {
    HttpResponse r;
    r.body = std::string(req.secure ? "secure " : "plain ") + req.header("x-custom-thing");
    return r;
  });
  Running running(server, io);
  Got got = tls_request(server.port(), http::verb::get, "/hello");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, "secure Value");
  EXPECT_EQ(got.hsts, "max-age=31536000");  // browsers stay on HTTPS
  EXPECT_EQ(tls_request(server.port(), http::verb::get, "/nothing").status, 404);
}

TEST(HttpServerTest, PlainHttpToTheTlsPortGetsNoPage) {
  asio::io_context io;
  auto id = test_identity();
  HttpServer server(io, tls_config(id));
  server.route("GET", "/hello", [](const HttpRequest&) { return HttpResponse{}; });
  Running running(server, io);
  EXPECT_ANY_THROW(plain_request(server.port(), http::verb::get, "/hello"));
  // The server is still there for the next, well-behaved client.
  EXPECT_EQ(tls_request(server.port(), http::verb::get, "/hello").status, 200);
}

TEST(HttpServerTest, RedirectModeSendsEveryRequestToHttpsButItsOwnRoutes) {
  asio::io_context io;
  HttpConfig cfg{"127.0.0.1", 0};
  cfg.redirect_to_https_port = 8443;
  HttpServer server(io, cfg);
  server.route("GET", "/cgi-bin/snapshot.cgi", [](const HttpRequest&) { return HttpResponse{}; });
  Running running(server, io);
  Got got = plain_request(server.port(), http::verb::get, "/hello?x=1", "door.local:80");
  EXPECT_EQ(got.status, 308);
  EXPECT_EQ(got.location, "https://door.local:8443/hello?x=1");
  EXPECT_EQ(got.hsts, "");  // said over HTTPS only
  // The routes given to the plain port itself are served there (NVRs that speak only HTTP).
  got = plain_request(server.port(), http::verb::get, "/cgi-bin/snapshot.cgi?channel=1");
  EXPECT_EQ(got.status, 200);
  got = plain_request(server.port(), http::verb::post, "/api/v1/anything", "[::1]:8080");
  EXPECT_EQ(got.location, "https://[::1]:8443/api/v1/anything");
  // A Host header that is not a plain name is not copied into the redirect.
  got = plain_request(server.port(), http::verb::get, "/", "evil.example/x?");
  EXPECT_EQ(got.location, "https://127.0.0.1:8443/");
}

TEST(HttpServerTest, AsyncHandlersAnswerLaterAndHeadHasNoBody) {
  asio::io_context io;
  HttpServer server(io, HttpConfig{"127.0.0.1", 0});
  server.route_async("GET", "/later", [&io](const HttpRequest&, HttpServer::Reply reply) {
    asio::post(io, [reply] {
      HttpResponse r;
      r.body = "done";
      reply(r);
      reply(json_error(500, "a second reply is ignored"));
    });
  });
  Running running(server, io);
  Got got = plain_request(server.port(), http::verb::get, "/later");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, "done");
  got = plain_request(server.port(), http::verb::head, "/later");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, "");
  EXPECT_EQ(got.content_length, "4");
  EXPECT_EQ(plain_request(server.port(), http::verb::post, "/later").status, 405);
}

// POST `size` bytes to `target`: the status (the server may close before reading it all).
int post_bytes(std::uint16_t port, const std::string& target, std::size_t size) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  auto req = make_request(http::verb::post, target, "127.0.0.1");
  req.body() = std::string(size, 'x');
  req.prepare_payload();
  beast::error_code ec;
  http::write(socket, req, ec);  // may fail once the server answered and closed
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res, ec);
  return ec ? 0 : static_cast<int>(res.result_int());
}

TEST(HttpServerTest, OnlyChosenPathsTakeLargeBodies) {
  asio::io_context io;
  HttpConfig config{"127.0.0.1", 0};
  config.max_body = 1000;
  HttpServer server(io, config);
  std::size_t received = 0;
  for (const char* path : {"/import", "/other"}) {
    server.route("POST", path, [&](const HttpRequest& req) {
      received = req.body.size();
      return HttpResponse{};
    });
  }
  server.allow_large_body("/import", 5000);
  Running running(server, io);
  EXPECT_EQ(post_bytes(server.port(), "/import", 4000), 200);
  EXPECT_EQ(received, 4000u);
  EXPECT_EQ(post_bytes(server.port(), "/import?mode=replace", 900), 200);
  const int too_large = post_bytes(server.port(), "/import", 6000);
  EXPECT_TRUE(too_large == 413 || too_large == 0) << too_large;
  const int other = post_bytes(server.port(), "/other", 4000);
  EXPECT_TRUE(other == 413 || other == 0) << other;
  EXPECT_EQ(received, 900u);
}

TEST(HttpServerTest, WebSocketsPushToAcceptedClientsAndRefuseOthers) {
  asio::io_context io;
  HttpServer server(io, HttpConfig{"127.0.0.1", 0});
  int closed = 0;
  WebSocketRoute route;
  route.accept = [](const HttpRequest& req) -> std::optional<HttpResponse> {
    if (req.header("cookie") != "ok=1") return json_error(401, "log in first");
    return std::nullopt;
  };
  route.on_open = [](const std::shared_ptr<WebSocketPeer>& peer, const HttpRequest&) {
    peer->send("hello");
    peer->send("again");
  };
  route.on_close = [&closed](const std::shared_ptr<WebSocketPeer>&) { ++closed; };
  server.websocket("/live", route);
  Running running(server, io);

  asio::io_context client_io;
  beast::websocket::stream<tcp::socket> ws(client_io);
  ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), server.port()});
  ws.set_option(beast::websocket::stream_base::decorator(
      [](beast::websocket::request_type& req) { req.set(http::field::cookie, "ok=1"); }));
  ws.handshake("127.0.0.1", "/live");
  beast::flat_buffer buffer;
  ws.read(buffer);
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "hello");
  buffer.consume(buffer.size());
  ws.read(buffer);
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "again");
  ws.close(beast::websocket::close_code::normal);

  // Without the cookie the upgrade is answered with the accept check's response.
  tcp::socket refused(client_io);
  refused.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  http::request<http::string_body> req{http::verb::get, "/live", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::connection, "Upgrade");
  req.set(http::field::upgrade, "websocket");
  req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.set(http::field::sec_websocket_version, "13");
  http::write(refused, req);
  http::response<http::string_body> answer;
  beast::flat_buffer answer_buffer;
  http::read(refused, answer_buffer, answer);
  EXPECT_EQ(answer.result_int(), 401u);
}

// A route's listeners hold their open sockets, and each socket holds its route: a socket
// still open when the server goes must not keep the listeners (nor the server and its TLS
// context) alive past the end.
TEST(HttpServerTest, AWebSocketOpenAtTheEndKeepsNothingAlive) {
  struct Listeners {
    std::set<std::shared_ptr<WebSocketPeer>> peers;
  };
  std::weak_ptr<Listeners> watch;
  int closed = 0;
  asio::io_context client_io;
  beast::websocket::stream<tcp::socket> ws(client_io);
  {
    asio::io_context io;
    HttpServer server(io, HttpConfig{"127.0.0.1", 0});
    auto listeners = std::make_shared<Listeners>();
    watch = listeners;
    WebSocketRoute route;
    route.accept = [](const HttpRequest&) -> std::optional<HttpResponse> { return std::nullopt; };
    route.on_open = [listeners](const std::shared_ptr<WebSocketPeer>& peer, const HttpRequest&) {
      listeners->peers.insert(peer);
      peer->send("hello");
    };
    route.on_close = [listeners, &closed](const std::shared_ptr<WebSocketPeer>& peer) {
      listeners->peers.erase(peer);
      ++closed;
    };
    server.websocket("/events", route);
    route = WebSocketRoute{};
    listeners.reset();  // the route's alone now
    Running running(server, io);
    ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), server.port()});
    ws.handshake("127.0.0.1", "/events");
    beast::flat_buffer buffer;
    ws.read(buffer);
    EXPECT_EQ(beast::buffers_to_string(buffer.data()), "hello");
  }  // the client is still connected
  EXPECT_EQ(closed, 1) << "the listeners are told the socket is gone";
  EXPECT_TRUE(watch.expired()) << "an open WebSocket kept its route's listeners alive";
}

TEST(HttpServerTest, RebindsToAnotherPortAndFiltersAddresses) {
  asio::io_context io;
  HttpServer server(io, HttpConfig{"127.0.0.1", 0});
  server.route("GET", "/hello", [](const HttpRequest&) { return HttpResponse{}; });
  Running running(server, io);
  const std::uint16_t first = server.port();
  EXPECT_EQ(plain_request(first, http::verb::get, "/hello").status, 200);
  std::uint16_t second = 0;
  asio::post(io, [&] {
    EXPECT_TRUE(server.rebind("127.0.0.1", 0));
    second = server.port();
  });
  while (second == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_NE(second, first);
  EXPECT_EQ(plain_request(second, http::verb::get, "/hello").status, 200);
  EXPECT_ANY_THROW(plain_request(first, http::verb::get, "/hello"));  // closed
  bool filtered = false;
  asio::post(io, [&] {
    server.set_access_filter([](const std::string& ip) { return ip != "127.0.0.1"; });
    filtered = true;
  });
  while (!filtered) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_ANY_THROW(plain_request(second, http::verb::get, "/hello"));
}

TEST(HttpServerTest, ChangesItsCertificateForNewConnections) {
  asio::io_context io;
  auto id = test_identity();
  HttpServer server(io, tls_config(id));
  server.route("GET", "/hello", [](const HttpRequest&) { return HttpResponse{}; });
  auto other = test_identity();
  EXPECT_FALSE(server.set_tls(other.certificate_pem, id.private_key_pem));  // not its key
  EXPECT_TRUE(server.set_tls(other.certificate_pem, other.private_key_pem));
  Running running(server, io);
  EXPECT_EQ(tls_request(server.port(), http::verb::get, "/hello").status, 200);
}

TEST(HttpServerTest, RefusesAKeyWithoutItsCertificate) {
  asio::io_context io;
  HttpConfig cfg{"127.0.0.1", 0};
  cfg.tls_private_key_pem = test_identity().private_key_pem;
  HttpServer server(io, cfg);
  EXPECT_FALSE(server.start());
}

// Raw bytes over a plain connection: what a client of a stream or a streamed body sees.
std::string raw_exchange(std::uint16_t port, const std::string& request,
                         const std::function<bool(const std::string&)>& enough) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(socket, asio::buffer(request));
  std::string got;
  char buf[4096];
  boost::system::error_code ec;
  while (!enough(got)) {
    const std::size_t n = socket.read_some(asio::buffer(buf), ec);
    if (ec) break;
    got.append(buf, n);
  }
  return got;
}

TEST(HttpServerTest, StreamsAResponseInPartsAndHearsTheClientGo) {
  asio::io_context io;
  HttpServer server(io, HttpConfig{"127.0.0.1", 0});
  std::shared_ptr<StreamPeer> open;
  std::atomic<bool> closed = false;
  StreamRoute route;
  route.accept = [](const HttpRequest& req) -> std::variant<HttpResponse, StreamStart> {
    if (req.query != "ok") return json_error(401, "no");
    return StreamStart{"multipart/x-mixed-replace; boundary=b", {}};
  };
  route.on_open = [&](const std::shared_ptr<StreamPeer>& peer, const HttpRequest&) {
    open = peer;
    peer->send("part one\n");
    peer->send("part two\n");
  };
  route.on_close = [&](const std::shared_ptr<StreamPeer>&) { closed = true; };
  server.stream("GET", "/events", route);
  Running running(server, io);
  EXPECT_EQ(plain_request(server.port(), http::verb::get, "/events").status, 401);
  const std::string got =
      raw_exchange(server.port(), "GET /events?ok HTTP/1.1\r\nHost: x\r\n\r\n",
                   [](const std::string& g) { return g.find("part two\n") != std::string::npos; });
  EXPECT_TRUE(got.starts_with("HTTP/1.1 200 OK\r\n")) << got;
  EXPECT_NE(got.find("Content-Type: multipart/x-mixed-replace; boundary=b\r\n"), std::string::npos);
  EXPECT_EQ(got.find("Content-Length"), std::string::npos);
  EXPECT_NE(got.find("\r\n\r\npart one\npart two\n"), std::string::npos) << got;
  for (int i = 0; i < 100 && !closed; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(closed);  // the client went
}

TEST(HttpServerTest, TakesALongBodyPieceByPieceAndRedirectModeServesItsOwnPrefixes) {
  asio::io_context io;
  HttpConfig cfg{"127.0.0.1", 0};
  cfg.redirect_to_https_port = 8443;
  HttpServer server(io, cfg);
  struct Sink final : BodySink {
    std::string* into;
    std::atomic<int>* ended;  // 0: not yet, 1: complete, 2: cut short
    void data(std::string_view piece) override { into->append(piece); }
    HttpResponse end(bool whole) override {
      *ended = whole ? 1 : 2;
      HttpResponse r;
      r.body = "took " + std::to_string(into->size());
      return r;
    }
  };
  std::string body;
  std::atomic<int> ended = 0;
  BodyStreamRoute route;
  route.accept = [&](const HttpRequest&) -> std::variant<HttpResponse, std::shared_ptr<BodySink>> {
    auto sink = std::make_shared<Sink>();
    sink->into = &body;
    sink->ended = &ended;
    return std::shared_ptr<BodySink>(sink);
  };
  route.idle = std::chrono::seconds(1);
  server.body_stream("POST", "/talk", route);
  server.route("GET", "/cgi-bin/*", [](const HttpRequest&) { return json_error(404, "none"); });
  Running running(server, io);
  // Content-Length far above the server's body limit: taken as it comes.
  const std::string big(5000, 'a');
  std::string got = raw_exchange(
      server.port(), "POST /talk HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + big,
      [](const std::string& g) { return g.find("took") != std::string::npos; });
  EXPECT_NE(got.find("took 5000"), std::string::npos) << got;
  EXPECT_EQ(ended, 1);
  // A body that stops coming (the client talks no more) ends after the idle time: the
  // sink hears the end, the connection closes.
  ended = 0;
  body.clear();
  got = raw_exchange(server.port(),
                     "POST /talk HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999\r\n\r\nhello",
                     [](const std::string&) { return false; });  // until closed
  EXPECT_EQ(got, "");
  // The timer closes the socket before the read's handler runs: the end may come a moment
  // after the client saw the connection close.
  for (int i = 0; i < 100 && ended == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(ended, 2);
  EXPECT_EQ(body, "hello");
  got =
      raw_exchange(server.port(),
                   "POST /talk HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                   [](const std::string& g) { return g.find("\r\n\r\n") != std::string::npos; });
  EXPECT_TRUE(got.starts_with("HTTP/1.1 411")) << got;
  // Redirect mode: a prefix route given to this server is served, not redirected.
  EXPECT_EQ(plain_request(server.port(), http::verb::get, "/cgi-bin/other.cgi").status, 404);
  EXPECT_EQ(plain_request(server.port(), http::verb::get, "/api/v1/health").status, 308);
}

}  // namespace
}  // namespace vto::web
