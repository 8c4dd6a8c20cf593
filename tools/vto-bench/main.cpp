// vto-bench: load and latency measurements against a running vtod (loopback only).
//   vto-bench ring --server 127.0.0.1:5060 --room 401 --password P --monitors 11 --calls 200
// registers MONITORS software monitors of ROOM (<room>#0..), then places CALLS calls to
// the room from a plain UDP socket and measures, for each, the time from sending the
// INVITE to having a 180 from every monitor. Prints p50/p99 and a one-line summary.
//   vto-bench press --server 127.0.0.1:5060 --api 127.0.0.1:8443 --token T --room 401
//                   --password P --button 1 --monitors 2 --presses 200
// registers MONITORS monitors of ROOM, then presses call button BUTTON (mapped to ROOM with
// vtod --button) through POST /api/v1/sim/press PRESSES times, and measures the time from
// writing that request to the last monitor's 180; each call is then hung up through
// DELETE /api/v1/calls/ID and the panel waited for to be idle again before the next press.
//   vto-bench api --api 127.0.0.1:8443 --token T --clients 50 --requests 20000
//                 --seconds 10 --path /api/v1/sim/state
// opens CLIENTS keep-alive HTTPS connections, each issuing GET PATH back to back until
// REQUESTS requests were made in all or SECONDS passed; prints requests/s and latency.
// The API (--api, alias --http) is vtod's HTTPS port; --token is an API token
// (vtoctl token create), sent as "Authorization: Bearer TOKEN".
//   vto-bench estate --nodes 10.99.0.2:5080,10.99.0.3:5080 --realm estate --flats 1000
//                    --monitors 3 --room-password P --vtos 50 --vto-password P --rate 10
// an estate on the platform's nodes (addresses of this machine only): registers every
// flat's monitors and the VTOs over the nodes, then group calls at a fixed rate and at
// rising rates (estate.cpp).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/asio_timers.h"
#include "core/log.h"
#include "estate.h"
#include "percentile.h"
#include "sip/transport/asio_transport.h"
#include "sip/transport/host_port.h"
#include "sip/ua/user_agent.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using namespace vto;
using bench::percentile;
using Clock = std::chrono::steady_clock;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

namespace {

struct Monitor {
  std::unique_ptr<sip::AsioTransport> transport;
  std::unique_ptr<sip::TransactionLayer> tl;
  std::unique_ptr<sip::UserAgent> ua;
};

// Registers MONITORS software monitors <room>#0.. of ROOM on their own UDP sockets;
// false (with a message) unless all of them registered within 10 s.
bool register_monitors(asio::io_context& io, core::Timers& timers, const sip::Peer& server_peer,
                       const std::string& room, const std::string& password, int monitors,
                       std::vector<Monitor>& list) {
  list.resize(static_cast<std::size_t>(monitors));
  int registered = 0, failed = 0;
  for (int i = 0; i < monitors; ++i) {
    Monitor& m = list[static_cast<std::size_t>(i)];
    sip::TransportConfig cfg;
    cfg.listen_ip = "127.0.0.1";
    cfg.port = 0;
    cfg.tcp = false;
    m.transport = std::make_unique<sip::AsioTransport>(io, cfg);
    if (auto r = m.transport->start(); !r) {
      std::cerr << r.error().message << "\n";
      return false;
    }
    m.tl = std::make_unique<sip::TransactionLayer>(timers, *m.transport);
    auto* tl = m.tl.get();
    m.transport->set_handler(
        [tl](sip::Message&& msg, const sip::Peer& from) { tl->receive(std::move(msg), from); });
    sip::UaConfig ua;
    ua.user = room + "#" + std::to_string(i);
    ua.password = password;
    ua.server = server_peer;
    m.ua = std::make_unique<sip::UserAgent>(*m.tl, ua);
    m.tl->set_user(m.ua.get());
    m.ua->set_event_handler([&](const sip::UaEvent& e) {
      if (e.type == sip::UaEvent::Type::Registered) ++registered;
      if (e.type == sip::UaEvent::Type::RegistrationFailed) ++failed;
    });
    m.ua->start_registration();
  }
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (registered + failed < monitors && Clock::now() < deadline)
    io.run_for(std::chrono::milliseconds(10));
  for (auto& m : list) m.ua->set_event_handler({});
  if (registered != monitors) {
    std::cerr << "vto-bench: only " << registered << " of " << monitors << " monitors registered\n";
    return false;
  }
  return true;
}

int run_ring(const std::string& server_text, const std::string& room, const std::string& password,
             int monitors, int calls, const std::string& caller_user,
             const std::string& caller_password) {
  auto server = sip::parse_host_port(server_text, 5060);
  if (!server) {
    std::cerr << "vto-bench: --server takes IP:PORT\n";
    return 2;
  }
  if (server->host.rfind("127.", 0) != 0 && server->host != "::1") {
    std::cerr << "vto-bench: load goes to loopback addresses only\n";
    return 2;
  }
  asio::io_context io;
  core::AsioTimers timers(io);
  const sip::Peer server_peer{sip::Transport::Udp, server->host, server->port, 0};

  std::vector<Monitor> list;
  if (!register_monitors(io, timers, server_peer, room, password, monitors, list)) return 1;

  // The caller: a user agent whose INVITE timing we read from its events. The proxy
  // forwards every monitor's 180, so the caller's transport sees one per monitor.
  sip::TransportConfig ccfg;
  ccfg.listen_ip = "127.0.0.1";
  ccfg.port = 0;
  ccfg.tcp = false;
  sip::AsioTransport caller_transport(io, ccfg);
  if (auto r = caller_transport.start(); !r) return 1;
  sip::TransactionLayer caller_tl(timers, caller_transport);
  std::set<std::string> ringing_tags;
  Clock::time_point sent{};
  std::vector<double> samples;
  bool complete = false;
  caller_transport.set_handler([&](sip::Message&& msg, const sip::Peer& from) {
    if (msg.is_response() && msg.status() == 180) {
      if (auto to = msg.to()) ringing_tags.insert(std::string(to->tag()));
      if (!complete && static_cast<int>(ringing_tags.size()) == monitors) {
        complete = true;
        samples.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
      }
    }
    caller_tl.receive(std::move(msg), from);
  });
  sip::UaConfig cua;
  cua.user = caller_user;
  cua.password = caller_password;
  cua.server = server_peer;
  sip::UserAgent caller(caller_tl, cua);
  caller_tl.set_user(&caller);
  bool caller_registered = false;
  caller.set_event_handler([&](const sip::UaEvent& e) {
    if (e.type == sip::UaEvent::Type::Registered) caller_registered = true;
  });
  caller.start_registration();
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (!caller_registered && Clock::now() < deadline) io.run_for(std::chrono::milliseconds(10));

  int timeouts = 0;
  for (int c = 0; c < calls; ++c) {
    ringing_tags.clear();
    complete = false;
    sent = Clock::now();
    sip::CallHandle id = caller.call(room);
    auto call_deadline = Clock::now() + std::chrono::seconds(3);
    while (!complete && Clock::now() < call_deadline) io.run_one_for(std::chrono::milliseconds(5));
    if (!complete) ++timeouts;
    (void)caller.hangup(id);
    // Let the CANCELs and 487s settle before the next call.
    io.run_for(std::chrono::milliseconds(20));
  }
  const double p50 = percentile(samples, 50), p99 = percentile(samples, 99);
  std::cout << "ring: " << samples.size() << " calls to room " << room << " with " << monitors
            << " monitors, " << timeouts << " incomplete\n";
  std::cout << "ring: INVITE -> 180 from all monitors: p50 " << p50 << " ms, p99 " << p99
            << " ms, max " << percentile(samples, 100) << " ms\n";
  std::cout << "SUMMARY group-call-ring-p99-ms " << p99 << " (goal < 5)\n";
  for (auto& m : list) m.ua->unregister();
  caller.unregister();
  io.run_for(std::chrono::milliseconds(300));
  return timeouts == 0 ? 0 : 1;
}

bool is_loopback(const std::string& host) {
  return host.rfind("127.", 0) == 0 || host == "::1";
}

// The TLS client side for vtod's API. The certificate is NOT verified: the target is the
// station's own self-signed certificate (made on first start) on a loopback address, the
// only targets this tool accepts; the benchmark measures the API, not a PKI.
ssl::context make_tls_client() {
  ssl::context tls(ssl::context::tls_client);
  tls.set_verify_mode(ssl::verify_none);
  return tls;
}

// A minimal HTTPS/1.1 client for vtod's JSON API, on the benchmark's io_context so that
// the simulated monitors keep being served while a request is in flight. One keep-alive
// connection, reopened when the server closes it. Every request carries the API token.
class HttpsClient {
 public:
  struct Response {
    int status = 0;
    std::string body;
  };

  HttpsClient(asio::io_context& io, ssl::context& tls, asio::ip::tcp::endpoint server,
              std::string token)
      : io_(io), tls_(tls), server_(std::move(server)), token_(std::move(token)) {}

  // Writes the request (connecting first if needed) and starts reading the answer;
  // poll done() / response() while running the io_context.
  bool send(const std::string& method, const std::string& path, const std::string& body = {}) {
    if (!conn_ && !connect()) return false;
    bhttp::request<bhttp::string_body> req;
    req.method_string(method);
    req.target(path);
    req.version(11);
    req.set(bhttp::field::host, server_.address().to_string());
    req.set(bhttp::field::authorization, "Bearer " + token_);
    if (!body.empty() || method == "POST") {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    done_ = false;
    failed_ = false;
    response_ = {};
    beast::error_code ec;
    bhttp::write(conn_->stream, req, ec);
    if (ec) {
      close();
      return false;
    }
    // The handler keeps its connection alive; one that was given up on is ignored.
    auto c = conn_;
    c->parsed = {};
    bhttp::async_read(c->stream, c->buffer, c->parsed,
                      [this, c](beast::error_code rec, std::size_t) {
                        if (c != conn_) return;
                        if (rec) {
                          failed_ = true;
                          done_ = true;
                          return close();
                        }
                        response_.status = static_cast<int>(c->parsed.result_int());
                        response_.body = std::move(c->parsed.body());
                        done_ = true;
                        if (!c->parsed.keep_alive()) close();
                      });
    return true;
  }
  bool done() const { return done_; }
  bool failed() const { return failed_; }
  const Response& response() const { return response_; }

  // send() then run the io_context until the answer is in (or 3 s passed).
  std::optional<Response> request(const std::string& method, const std::string& path,
                                  const std::string& body = {}) {
    if (!send(method, path, body)) return std::nullopt;
    const auto deadline = Clock::now() + std::chrono::seconds(3);
    while (!done_ && Clock::now() < deadline) io_.run_one_for(std::chrono::milliseconds(5));
    if (!done_ || failed_) {
      close();
      return std::nullopt;
    }
    return response_;
  }

 private:
  struct Connection {
    Connection(asio::io_context& io, ssl::context& tls) : stream(io, tls) {}
    TlsStream stream;
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> parsed;
  };

  // TCP connect and TLS handshake, blocking (once per connection: the monitors wait for
  // that long).
  bool connect() {
    auto c = std::make_shared<Connection>(io_, tls_);
    auto& socket = beast::get_lowest_layer(c->stream).socket();
    beast::error_code ec;
    socket.connect(server_, ec);
    if (!ec) socket.set_option(asio::ip::tcp::no_delay(true), ec);
    if (!ec) c->stream.handshake(ssl::stream_base::client, ec);
    if (ec) {
      std::cerr << "vto-bench: cannot connect to the HTTPS API: " << ec.message() << "\n";
      return false;
    }
    conn_ = std::move(c);
    return true;
  }

  // Closes the socket; a read still pending completes (aborted) on the old connection,
  // which its handler keeps alive until then.
  void close() {
    if (!conn_) return;
    beast::error_code ignored;
    beast::get_lowest_layer(conn_->stream).socket().close(ignored);
    conn_.reset();
  }

  asio::io_context& io_;
  ssl::context& tls_;
  asio::ip::tcp::endpoint server_;
  std::string token_;
  std::shared_ptr<Connection> conn_;
  Response response_;
  bool done_ = false;
  bool failed_ = false;
};

struct PressOptions {
  std::string server = "127.0.0.1:5060";  // vtod SIP
  std::string api = "127.0.0.1:8443";     // vtod HTTPS API
  std::string token;                      // API token, operator role or above
  std::string room = "401";
  std::string password;
  int button = 1;
  int monitors = 2;
  int presses = 200;
  std::string end = "api";  // how a call ends: "api" (DELETE /api/v1/calls/ID) or "reject"
};

// Button press -> 180 Ringing from every monitor of the room the button calls. The
// monitors run here, on this process's clock: the sample is the time from writing the
// POST /api/v1/sim/press request to the moment the last monitor sent its 180.
int run_press(const PressOptions& o) {
  auto server = sip::parse_host_port(o.server, 5060);
  auto api = sip::parse_host_port(o.api, 8443);
  if (!server || !api) {
    std::cerr << "vto-bench: --server and --api take IP:PORT\n";
    return 2;
  }
  for (const auto* host : {&server->host, &api->host}) {
    if (!is_loopback(*host)) {
      std::cerr << "vto-bench: load goes to loopback addresses only\n";
      return 2;
    }
  }
  asio::io_context io;
  core::AsioTimers timers(io);
  const sip::Peer server_peer{sip::Transport::Udp, server->host, server->port, 0};
  std::vector<Monitor> list;
  if (!register_monitors(io, timers, server_peer, o.room, o.password, o.monitors, list)) return 1;

  // When each monitor sent its 180 for the current press (the user agent answers an
  // INVITE with 180 at once, then reports the incoming call).
  std::vector<std::optional<Clock::time_point>> rang(list.size());
  std::vector<sip::CallHandle> incoming(list.size(), 0);
  int rung = 0, stray = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    sip::UserAgent* ua = list[i].ua.get();
    ua->set_event_handler([&, i, ua](const sip::UaEvent& e) {
      if (e.type != sip::UaEvent::Type::IncomingCall) return;
      const auto now = Clock::now();
      if (rang[i]) {  // a second call while one rings: not ours
        ++stray;
        (void)ua->reject(e.call, 486);
        return;
      }
      rang[i] = now;
      incoming[i] = e.call;
      ++rung;
      if (o.end == "reject" && rung == static_cast<int>(list.size())) {
        for (std::size_t k = 0; k < list.size(); ++k) (void)list[k].ua->reject(incoming[k], 486);
      }
    });
  }

  boost::system::error_code address_ec;
  const auto api_address = asio::ip::make_address(api->host, address_ec);
  if (address_ec) {
    std::cerr << "vto-bench: --api takes IP:PORT\n";
    return 2;
  }
  ssl::context tls = make_tls_client();
  HttpsClient client(io, tls, asio::ip::tcp::endpoint(api_address, api->port), o.token);
  std::string last_state_error;  // why the last GET /api/v1/sim/state failed
  auto panel_state = [&]() -> std::optional<nlohmann::json> {
    auto r = client.request("GET", "/api/v1/sim/state");
    if (!r || r->status != 200) {
      last_state_error = r ? "HTTP " + std::to_string(r->status) + " " + r->body : "no answer";
      return std::nullopt;
    }
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    if (j.is_discarded() || !j.contains("panel")) return std::nullopt;
    return j["panel"];
  };
  // Idle panel and no call left at any monitor, or false after 5 s.
  auto wait_idle = [&]() {
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (Clock::now() < deadline) {
      bool calls_left = false;
      for (auto& m : list) calls_left = calls_left || !m.ua->calls().empty();
      if (!calls_left) {
        auto p = panel_state();
        if (p && (*p)["state"] == "idle") return true;
      }
      io.run_for(std::chrono::milliseconds(2));
    }
    return false;
  };

  const std::string press_body = "{\"key\":\"button" + std::to_string(o.button) + "\"}";
  std::vector<double> samples, http_samples;
  std::vector<std::pair<double, int>> slowest;
  int incomplete = 0, http_errors = 0, not_idle = 0;
  if (!wait_idle()) {
    std::cerr << "vto-bench: the panel is not idle before the first press"
              << (last_state_error.empty() ? ""
                                           : " (GET /api/v1/sim/state: " + last_state_error + ")")
              << "\n";
    return 1;
  }
  for (int n = 0; n < o.presses; ++n) {
    std::fill(rang.begin(), rang.end(), std::nullopt);
    std::fill(incoming.begin(), incoming.end(), 0);
    rung = 0;
    const Clock::time_point sent = Clock::now();
    if (!client.send("POST", "/api/v1/sim/press", press_body)) {
      ++http_errors;
      continue;
    }
    std::optional<Clock::time_point> answered;
    const auto deadline = sent + std::chrono::seconds(3);
    while ((rung < static_cast<int>(list.size()) || !client.done()) && Clock::now() < deadline) {
      io.run_one_for(std::chrono::milliseconds(5));
      if (!answered && client.done()) answered = Clock::now();
    }
    if (!client.done() || client.failed() || client.response().status != 200) {
      ++http_errors;
      if (n == 0 || http_errors <= 3)
        std::cerr << "vto-bench: press " << n << ": HTTP "
                  << (client.done() ? std::to_string(client.response().status) : "timeout") << " "
                  << client.response().body << "\n";
    } else {
      http_samples.push_back(std::chrono::duration<double, std::milli>(*answered - sent).count());
    }
    if (rung == static_cast<int>(list.size())) {
      Clock::time_point last = sent;
      for (const auto& t : rang) last = std::max(last, *t);
      const double ms = std::chrono::duration<double, std::milli>(last - sent).count();
      samples.push_back(ms);
      slowest.emplace_back(ms, n);
    } else {
      ++incomplete;
    }
    if (o.end == "api") {
      // The panel's call is vtod's user agent's call: hang it up through the API
      // (CANCEL to every monitor); the monitors then see it cancelled.
      if (auto p = panel_state(); p && (*p)["call"].is_number_unsigned() && (*p)["call"] != 0) {
        const auto id = (*p)["call"].get<std::uint64_t>();
        auto r = client.request("DELETE", "/api/v1/calls/" + std::to_string(id));
        if (!r || r->status != 200) ++http_errors;
      }
    } else if (rung < static_cast<int>(list.size())) {
      for (std::size_t k = 0; k < list.size(); ++k)
        if (incoming[k]) (void)list[k].ua->reject(incoming[k], 486);
    }
    if (!wait_idle()) {
      ++not_idle;
      std::cerr << "vto-bench: press " << n << ": the panel did not return to idle\n";
      break;
    }
  }

  std::sort(slowest.rbegin(), slowest.rend());
  const double p50 = percentile(samples, 50), p99 = percentile(samples, 99);
  std::cout << "press: " << samples.size() << " presses of button" << o.button << " -> room "
            << o.room << " with " << o.monitors << " monitors, " << incomplete << " incomplete, "
            << http_errors << " HTTP errors, call ended by "
            << (o.end == "api" ? "DELETE /api/v1/calls/ID" : "486 from the monitors") << "\n";
  std::cout << "press: POST /api/v1/sim/press -> 180 from all monitors: p50 " << p50 << " ms, p99 "
            << p99 << " ms, max " << percentile(samples, 100) << " ms, min "
            << percentile(samples, 0) << " ms\n";
  std::cout << "press: POST -> HTTP 200: p50 " << percentile(http_samples, 50) << " ms, p99 "
            << percentile(http_samples, 99) << " ms\n";
  std::cout << "press: slowest:";
  for (std::size_t k = 0; k < std::min<std::size_t>(5, slowest.size()); ++k)
    std::cout << " #" << slowest[k].second << "=" << slowest[k].first << "ms";
  std::cout << "\n";
  if (stray) std::cout << "press: " << stray << " unexpected extra INVITEs rejected\n";
  std::cout << "SUMMARY button-press-ring-p50-ms " << p50 << " (goal < 10)\n";
  std::cout << "SUMMARY button-press-ring-p99-ms " << p99 << " (goal < 10)\n";
  for (auto& m : list) m.ua->unregister();
  io.run_for(std::chrono::milliseconds(300));
  return incomplete == 0 && http_errors == 0 && not_idle == 0 && !samples.empty() ? 0 : 1;
}

struct ApiOptions {
  std::string api = "127.0.0.1:8443";  // vtod HTTPS API
  std::string token;                   // API token, viewer role or above
  std::string path = "/api/v1/sim/state";
  int clients = 50;
  int requests = 20000;
  double seconds = 10;
};

// API load: CLIENTS keep-alive HTTPS connections on one thread, each writing GET PATH as
// soon as the answer to its previous one is read, until REQUESTS requests were issued in
// all or SECONDS passed. A sample is the time from starting to write a request to having
// read the whole response. Connections are opened (TCP + TLS handshake, all at once)
// before the clock starts; a connection the server closes is reopened.
class ApiLoad {
 public:
  ApiLoad(asio::io_context& io, ssl::context& tls, asio::ip::tcp::endpoint server,
          const ApiOptions& o)
      : io_(io), tls_(tls), server_(std::move(server)), o_(o) {
    request_.method(bhttp::verb::get);
    request_.target(o.path);
    request_.version(11);
    request_.set(bhttp::field::host,
                 server_.address().to_string() + ":" + std::to_string(server_.port()));
    request_.set(bhttp::field::authorization, "Bearer " + o.token);
    request_.keep_alive(true);
  }

  int run() {
    conns_.resize(static_cast<std::size_t>(o_.clients));
    for (auto& c : conns_) {
      c = std::make_unique<Conn>();
      c->request = request_;
      open(*c);
    }
    const auto connect_deadline = Clock::now() + std::chrono::seconds(10);
    run_until([&] { return ready_ + broken_ == o_.clients; }, connect_deadline);
    if (ready_ < o_.clients) {
      std::cerr << "vto-bench: only " << ready_ << " of " << o_.clients
                << " connections opened (TLS handshake)\n";
      stop_all();
      return 1;
    }
    start_ = Clock::now();
    deadline_ = start_ + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(o_.seconds));
    last_done_ = start_;
    active_ = o_.clients;
    for (auto& c : conns_) next(*c);
    // Requests still in flight 5 s after the time limit count as failed.
    const auto hard_deadline = deadline_ + std::chrono::seconds(5);
    run_until([&] { return active_ == 0; }, hard_deadline);
    int stuck = 0;
    for (auto& c : conns_)
      if (c->busy) ++stuck;
    failed_ += stuck;
    stop_all();
    report(stuck);
    return failed_ == 0 && !latencies_.empty() ? 0 : 1;
  }

 private:
  struct Conn {
    std::optional<TlsStream> stream;
    beast::flat_buffer buffer;
    bhttp::request<bhttp::empty_body> request;
    bhttp::response<bhttp::string_body> response;
    Clock::time_point sent{}, opened{};
    bool busy = false;  // a request in flight
  };

  // Runs the io_context until done() or the deadline (it stops whenever it runs out of
  // work, as between the handshakes and the first requests).
  template <typename Done>
  void run_until(Done done, Clock::time_point deadline) {
    while (!done() && Clock::now() < deadline) {
      io_.restart();
      io_.run_for(std::chrono::milliseconds(20));
    }
  }

  // TCP connect + TLS handshake; then, during the run, the next request.
  void open(Conn& c) {
    c.stream.emplace(io_, tls_);
    c.buffer.clear();
    c.opened = Clock::now();
    beast::get_lowest_layer(*c.stream).async_connect(server_, [this, &c](beast::error_code ec) {
      if (ec) return broken(c, "connect", ec);
      beast::error_code ignored;
      beast::get_lowest_layer(*c.stream).socket().set_option(asio::ip::tcp::no_delay(true),
                                                             ignored);
      c.stream->async_handshake(ssl::stream_base::client, [this, &c](beast::error_code hec) {
        if (hec) return broken(c, "TLS handshake", hec);
        handshakes_.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - c.opened).count());
        if (start_ == Clock::time_point{}) {
          ++ready_;
        } else {
          ++reopened_;
          next(c);
        }
      });
    });
  }

  void next(Conn& c) {
    if (stopping_) return;
    const auto now = Clock::now();
    if (issued_ >= o_.requests || now >= deadline_) {
      --active_;
      return;
    }
    ++issued_;
    c.busy = true;
    c.sent = now;
    bhttp::async_write(*c.stream, c.request, [this, &c](beast::error_code ec, std::size_t) {
      if (ec) return broken(c, "write", ec);
      c.response = {};
      bhttp::async_read(*c.stream, c.buffer, c.response,
                        [this, &c](beast::error_code rec, std::size_t) {
                          if (rec) return broken(c, "read", rec);
                          done(c);
                        });
    });
  }

  void done(Conn& c) {
    const auto now = Clock::now();
    c.busy = false;
    last_done_ = now;
    latencies_.push_back(std::chrono::duration<double, std::milli>(now - c.sent).count());
    if (c.response.result_int() != 200) {
      if (++failed_ <= 3)
        std::cerr << "vto-bench: GET " << o_.path << ": HTTP " << c.response.result_int() << " "
                  << c.response.body().substr(0, 200) << "\n";
    }
    if (!c.response.keep_alive()) {
      beast::error_code ignored;
      beast::get_lowest_layer(*c.stream).socket().close(ignored);
      // A new stream; the old one is destroyed once this handler has returned.
      asio::post(io_, [this, &c] {
        if (!stopping_) open(c);
      });
      return;
    }
    next(c);
  }

  // A connection failed: a request in flight counts as failed, the connection is done.
  void broken(Conn& c, const char* what, const beast::error_code& ec) {
    if (stopping_) return;
    if (++errors_ <= 3)
      std::cerr << "vto-bench: connection " << what << ": " << ec.message() << "\n";
    beast::error_code ignored;
    beast::get_lowest_layer(*c.stream).socket().close(ignored);
    if (start_ == Clock::time_point{}) {
      ++broken_;
      return;
    }
    if (c.busy) {
      c.busy = false;
      ++failed_;
    }
    --active_;
  }

  void stop_all() {
    stopping_ = true;
    for (auto& c : conns_) {
      if (!c || !c->stream) continue;
      beast::error_code ignored;
      beast::get_lowest_layer(*c->stream).socket().close(ignored);
    }
    io_.restart();
    io_.run_for(std::chrono::seconds(1));  // the aborted handlers
  }

  void report(int stuck) {
    const double elapsed = std::chrono::duration<double>(last_done_ - start_).count();
    const double rps = elapsed > 0 ? static_cast<double>(latencies_.size()) / elapsed : 0;
    const double p50 = percentile(latencies_, 50), p99 = percentile(latencies_, 99);
    std::string name = o_.path;
    if (name.rfind("/api/v1/", 0) == 0) name = name.substr(8);
    for (auto& ch : name)
      if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '-';
    std::cout << "api: GET " << o_.path << " over " << o_.clients
              << " keep-alive HTTPS connections (one client thread): " << latencies_.size()
              << " responses in " << elapsed << " s, " << failed_ << " failed (" << errors_
              << " connection errors, " << stuck << " unanswered), " << reopened_
              << " connections reopened\n";
    std::cout << "api: TLS connect + handshake, " << o_.clients << " at once: p50 "
              << percentile(handshakes_, 50) << " ms, max " << percentile(handshakes_, 100)
              << " ms\n";
    std::cout << "api: " << rps << " requests/s; latency p50 " << p50 << " ms, p99 " << p99
              << " ms, max " << percentile(latencies_, 100) << " ms\n";
    std::cout << "SUMMARY api-" << name << "-requests-per-second " << rps << " (no goal)\n";
    std::cout << "SUMMARY api-" << name << "-p99-ms " << p99 << " (no goal)\n";
  }

  asio::io_context& io_;
  ssl::context& tls_;
  asio::ip::tcp::endpoint server_;
  const ApiOptions& o_;
  bhttp::request<bhttp::empty_body> request_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<double> latencies_, handshakes_;
  Clock::time_point start_{}, deadline_{}, last_done_{};
  int ready_ = 0, broken_ = 0, active_ = 0, issued_ = 0, failed_ = 0, errors_ = 0, reopened_ = 0;
  bool stopping_ = false;
};

int run_api(const ApiOptions& o) {
  auto api = sip::parse_host_port(o.api, 8443);
  if (!api) {
    std::cerr << "vto-bench: --api takes IP:PORT\n";
    return 2;
  }
  if (!is_loopback(api->host)) {
    std::cerr << "vto-bench: load goes to loopback addresses only\n";
    return 2;
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(api->host, ec);
  if (ec) {
    std::cerr << "vto-bench: --api takes IP:PORT\n";
    return 2;
  }
  if (o.path.empty() || o.path[0] != '/') {
    std::cerr << "vto-bench: --path starts with /\n";
    return 2;
  }
  asio::io_context io;
  ssl::context tls = make_tls_client();
  ApiLoad load(io, tls, asio::ip::tcp::endpoint(address, api->port), o);
  return load.run();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vto-bench - OpenVTO load and latency measurements (this machine only)"};
  app.require_subcommand(1);
  auto* ring = app.add_subcommand("ring", "group call: INVITE -> 180 from every monitor of a room");
  std::string server = "127.0.0.1:5060", room = "401", password, caller_user = "402#0",
              caller_password;
  int monitors = 11, calls = 200;
  ring->add_option("--server", server, "vtod SIP address (loopback)");
  ring->add_option("--room", room, "room whose monitors are simulated");
  ring->add_option("--password", password, "register password of the room")->required();
  ring->add_option("--monitors", monitors, "monitors to register (master + extensions)")
      ->check(CLI::Range(1, 11));
  ring->add_option("--calls", calls, "calls to place")->check(CLI::Range(1, 100000));
  ring->add_option("--caller", caller_user, "caller device (another room's monitor)");
  ring->add_option("--caller-password", caller_password,
                   "caller's register password (default: --password)");
  auto* press = app.add_subcommand(
      "press", "call button: POST /api/v1/sim/press -> 180 from every monitor of the room");
  PressOptions po;
  press->add_option("--server", po.server, "vtod SIP address (loopback)");
  press->add_option("--api,--http", po.api, "vtod HTTPS API address (loopback)");
  press->add_option("--token", po.token, "API token (operator or admin), from vtoctl token create")
      ->required();
  press->add_option("--room", po.room, "room the button calls, whose monitors are simulated");
  press->add_option("--password", po.password, "register password of the room")->required();
  press->add_option("--button", po.button, "call button to press (button1..5)")
      ->check(CLI::Range(1, 5));
  press->add_option("--monitors", po.monitors, "monitors to register (master + extensions)")
      ->check(CLI::Range(1, 11));
  press->add_option("--presses", po.presses, "presses to make")->check(CLI::Range(1, 100000));
  press
      ->add_option("--end", po.end,
                   "how each call ends: api (DELETE /api/v1/calls/ID) or reject (486 from "
                   "every monitor)")
      ->check(CLI::IsMember({"api", "reject"}));
  auto* api = app.add_subcommand(
      "api", "API load: concurrent keep-alive HTTPS clients issuing GETs back to back");
  ApiOptions ao;
  api->add_option("--api,--http", ao.api, "vtod HTTPS API address (loopback)");
  api->add_option("--token", ao.token, "API token (viewer or above), from vtoctl token create")
      ->required();
  api->add_option("--path", ao.path, "path to GET");
  api->add_option("--clients", ao.clients, "concurrent connections")->check(CLI::Range(1, 200));
  api->add_option("--requests", ao.requests, "requests in all, at most")
      ->check(CLI::Range(1, 10000000));
  api->add_option("--seconds", ao.seconds, "time limit")->check(CLI::Range(0.1, 60.0));
  auto* estate = app.add_subcommand(
      "estate", "estate platform: registrations over its nodes, group calls at rising rates");
  bench::EstateOptions eo;
  estate->add_option("--nodes", eo.nodes, "the nodes, IP:PORT,IP:PORT (this machine's addresses)");
  estate->add_option("--realm", eo.realm, "the estate's SIP domain");
  estate->add_option("--flats", eo.flats, "flats (rooms) to simulate")
      ->check(CLI::Range(1, 100000));
  estate->add_option("--first-room", eo.first_room, "room number of the first flat")
      ->check(CLI::Range(1, 899999));
  estate->add_option("--monitors", eo.monitors, "monitors per flat")->check(CLI::Range(1, 10));
  estate->add_option("--room-password", eo.room_password, "register password of the rooms");
  estate->add_option("--room-passwords", eo.room_passwords_file,
                     "CSV room,password (vtoctl room add-batch's output), before --room-password");
  estate->add_option("--vtos", eo.vtos, "VTOs to simulate (the callers)")
      ->check(CLI::Range(1, 1000));
  estate->add_option("--first-vto", eo.first_vto, "VTO No. of the first VTO")
      ->check(CLI::Range(1, 98999));
  estate->add_option("--vto-password", eo.vto_password, "register password of the VTOs")
      ->required();
  estate->add_option("--rate", eo.rate, "calls per second of the first step")
      ->check(CLI::Range(0.1, 5000.0));
  estate->add_option("--calls", eo.calls, "calls per step (0: registrations only)")
      ->check(CLI::Range(0, 100000));
  estate->add_option("--max-rate", eo.max_rate, "the ramp doubles the rate up to this one")
      ->check(CLI::Range(0.0, 5000.0));
  estate->add_option("--seconds", eo.seconds, "time limit of the registration")
      ->check(CLI::Range(1.0, 3600.0));
  estate->add_option("--in-flight", eo.in_flight, "REGISTER transactions at once, at most")
      ->check(CLI::Range(1, 5000));
  estate
      ->add_option("--register-only-on", eo.register_only_on,
                   "register every device at this node (0: the first of --nodes)")
      ->check(CLI::Range(0, 15));
  estate->add_flag("--hold", eo.hold,
                   "register, keep the registrations until stdin gives a line or ends, "
                   "unregister; no calls");
  CLI11_PARSE(app, argc, argv);
  core::set_log_level("error");
  if (caller_password.empty()) caller_password = password;
  if (*ring) return run_ring(server, room, password, monitors, calls, caller_user, caller_password);
  if (*press) return run_press(po);
  if (*api) return run_api(ao);
  if (*estate) return bench::run_estate(eo);
  return 2;
}
