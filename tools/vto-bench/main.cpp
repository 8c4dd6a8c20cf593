// vto-bench: load and latency measurements against a running vtod (loopback only).
//   vto-bench ring --server 127.0.0.1:5060 --room 401 --password P --monitors 11 --calls 200
// registers MONITORS software monitors of ROOM (<room>#0..), then places CALLS calls to
// the room from a plain UDP socket and measures, for each, the time from sending the
// INVITE to having a 180 from every monitor. Prints p50/p99 and a one-line summary.
//   vto-bench press --server 127.0.0.1:5060 --http 127.0.0.1:8080 --room 401 --password P
//                   --button 1 --monitors 2 --presses 200
// registers MONITORS monitors of ROOM, then presses call button BUTTON (mapped to ROOM with
// vtod --button) through POST /api/v1/sim/press PRESSES times, and measures the time from
// writing that request to the last monitor's 180; each call is then hung up through
// DELETE /api/v1/calls/ID and the panel waited for to be idle again before the next press.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "app/host_port.h"
#include "core/asio_timers.h"
#include "core/log.h"
#include "sip/transport/asio_transport.h"
#include "sip/ua/user_agent.h"

namespace asio = boost::asio;
using namespace vto;
using Clock = std::chrono::steady_clock;

namespace {

struct Monitor {
  std::unique_ptr<sip::AsioTransport> transport;
  std::unique_ptr<sip::TransactionLayer> tl;
  std::unique_ptr<sip::UserAgent> ua;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto idx = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

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
  auto server = app::parse_host_port(server_text, 5060);
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
    sip::CallId id = caller.call(room);
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

// A minimal HTTP/1.1 client for vtod's JSON API, on the benchmark's io_context so that
// the simulated monitors keep being served while a request is in flight. One keep-alive
// connection, reopened when the server closes it.
class HttpClient {
 public:
  struct Response {
    int status = 0;
    std::string body;
  };

  HttpClient(asio::io_context& io, asio::ip::tcp::endpoint server)
      : io_(io), server_(std::move(server)), socket_(io) {}

  // Writes the request (connecting first if needed) and starts reading the answer;
  // poll done() / take() while running the io_context.
  bool send(const std::string& method, const std::string& path, const std::string& body = {}) {
    boost::system::error_code ec;
    if (!socket_.is_open()) {
      socket_.connect(server_, ec);
      if (ec) {
        std::cerr << "vto-bench: cannot connect to the HTTP API: " << ec.message() << "\n";
        socket_.close(ec);
        return false;
      }
      socket_.set_option(asio::ip::tcp::no_delay(true), ec);
      buffer_.consume(buffer_.size());
    }
    request_ = method + " " + path + " HTTP/1.1\r\nHost: " + server_.address().to_string() + "\r\n";
    if (!body.empty() || method == "POST")
      request_ +=
          "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\n";
    request_ += "\r\n" + body;
    done_ = false;
    failed_ = false;
    response_ = {};
    asio::write(socket_, asio::buffer(request_), ec);
    if (ec) {
      socket_.close(ec);
      return false;
    }
    read_head();
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
      boost::system::error_code ec;
      socket_.close(ec);
      return std::nullopt;
    }
    return response_;
  }

 private:
  void read_head() {
    asio::async_read_until(
        socket_, buffer_, "\r\n\r\n", [this](const boost::system::error_code& ec, std::size_t n) {
          if (ec) return fail();
          std::string head(asio::buffers_begin(buffer_.data()),
                           asio::buffers_begin(buffer_.data()) + static_cast<std::ptrdiff_t>(n));
          buffer_.consume(n);
          std::size_t length = 0;
          close_after_ = false;
          std::istringstream lines(head);
          std::string line;
          std::getline(lines, line);
          if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) return fail();
          response_.status = std::atoi(line.c_str() + 9);
          while (std::getline(lines, line)) {
            std::string lower = line;
            std::transform(lower.begin(), lower.end(), lower.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            if (lower.rfind("content-length:", 0) == 0)
              length = std::strtoul(line.c_str() + 15, nullptr, 10);
            if (lower.rfind("connection:", 0) == 0 && lower.find("close") != std::string::npos)
              close_after_ = true;
          }
          read_body(length);
        });
  }

  void read_body(std::size_t length) {
    if (buffer_.size() >= length) {
      response_.body.assign(
          asio::buffers_begin(buffer_.data()),
          asio::buffers_begin(buffer_.data()) + static_cast<std::ptrdiff_t>(length));
      buffer_.consume(length);
      done_ = true;
      if (close_after_) {
        boost::system::error_code ec;
        socket_.close(ec);
      }
      return;
    }
    asio::async_read(socket_, buffer_, asio::transfer_exactly(length - buffer_.size()),
                     [this, length](const boost::system::error_code& ec, std::size_t) {
                       if (ec) return fail();
                       read_body(length);
                     });
  }

  void fail() {
    failed_ = true;
    done_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  asio::io_context& io_;
  asio::ip::tcp::endpoint server_;
  asio::ip::tcp::socket socket_;
  asio::streambuf buffer_;
  std::string request_;
  Response response_;
  bool done_ = false;
  bool failed_ = false;
  bool close_after_ = false;
};

struct PressOptions {
  std::string server = "127.0.0.1:5060";  // vtod SIP
  std::string http = "127.0.0.1:8080";    // vtod HTTP API
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
  auto server = app::parse_host_port(o.server, 5060);
  auto http = app::parse_host_port(o.http, 8080);
  if (!server || !http) {
    std::cerr << "vto-bench: --server and --http take IP:PORT\n";
    return 2;
  }
  for (const auto* host : {&server->host, &http->host}) {
    if (host->rfind("127.", 0) != 0 && *host != "::1") {
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
  std::vector<sip::CallId> incoming(list.size(), 0);
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

  HttpClient client(io, asio::ip::tcp::endpoint(asio::ip::make_address(http->host), http->port));
  auto panel_state = [&]() -> std::optional<nlohmann::json> {
    auto r = client.request("GET", "/api/v1/sim/state");
    if (!r || r->status != 200) return std::nullopt;
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
    std::cerr << "vto-bench: the panel is not idle before the first press\n";
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vto-bench - OpenVTO load and latency measurements (loopback only)"};
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
  press->add_option("--http", po.http, "vtod HTTP API address (loopback)");
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
  CLI11_PARSE(app, argc, argv);
  core::set_log_level("error");
  if (caller_password.empty()) caller_password = password;
  if (*ring) return run_ring(server, room, password, monitors, calls, caller_user, caller_password);
  if (*press) return run_press(po);
  return 2;
}
