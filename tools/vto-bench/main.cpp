// vto-bench: load and latency measurements against a running vtod (loopback only).
//   vto-bench ring --server 127.0.0.1:5060 --room 401 --password P --monitors 11 --calls 200
// registers MONITORS software monitors of ROOM (<room>#0..), then places CALLS calls to
// the room from a plain UDP socket and measures, for each, the time from sending the
// INVITE to having a 180 from every monitor. Prints p50/p99 and a one-line summary.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <iostream>
#include <set>

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

  std::vector<Monitor> list(static_cast<std::size_t>(monitors));
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
      return 1;
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
  if (registered != monitors) {
    std::cerr << "vto-bench: only " << registered << " of " << monitors << " monitors registered\n";
    return 1;
  }

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
  deadline = Clock::now() + std::chrono::seconds(5);
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
  CLI11_PARSE(app, argc, argv);
  core::set_log_level("error");
  if (caller_password.empty()) caller_password = password;
  if (*ring) return run_ring(server, room, password, monitors, calls, caller_user, caller_password);
  return 2;
}
