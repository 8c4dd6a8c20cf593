// vth: the software indoor monitor. Registers as "<room>#<n>", prints one JSON
// object per line for every event, and takes commands on stdin:
//   answer [CALL] | reject [CALL] | hangup [CALL] | call NUMBER |
//   dtmf DIGITS (RFC 4733 events in the audio) | info DIGITS (SIP INFO, dtmf-relay) |
//   snapshot PATH | quit |
//   doors (Monitor > Door: the building's door stations, asked of the SIP server) |
//   monitor VTO_NO (watch a door: a call with video that the door answers by itself) |
//   talk (in a monitor session: the door hears us from now on; the talk key '*')
// While a call is up it prints {"event":"media",...} every 500 ms: video frames decoded,
// the time from the answer to the first one, their glass-to-glass latency (when the door's
// test pattern carries capture stamps), audio codec, packets and the level of what it hears.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/streambuf.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <vector>

#include "call_media.h"
#include "core/asio_timers.h"
#include "core/log.h"
#include "sip/proxy/sip_server.h"
#include "sip/transport/asio_transport.h"
#include "sip/transport/host_port.h"
#include "sip/ua/server_failover.h"
#include "sip/ua/user_agent.h"

namespace asio = boost::asio;
using nlohmann::json;
using namespace vto;

namespace {

void print(const json& j) {
  std::cout << j.dump() << std::endl;
}

void print_error(const std::string& message) {
  print({{"event", "error"}, {"message", message}});
}

class Monitor {
 public:
  Monitor(asio::io_context& io, core::Timers& timers, sip::TransactionLayer& tl,
          sip::UaConfig config, std::optional<sip::Peer> alternate, int auto_answer_ms)
      : io_(io),
        timers_(timers),
        main_config_(config),
        alternate_(std::move(alternate)),
        ua_(tl, std::move(config)),
        auto_answer_ms_(auto_answer_ms),
        input_(io, ::dup(0)),
        media_(io, timers, print) {
    ua_.set_event_handler([this](const sip::UaEvent& e) { on_event(e); });
    ua_.set_sdp_provider(
        [this](sip::CallHandle call, const std::string& remote_offer, bool keys_allowed) {
          return media_.sdp(call, remote_offer, keys_allowed);
        });
    if (alternate_) {
      // Two servers (an estate's two nodes): registered at the main one, moved to the
      // alternate when it is lost, and back when it answers again.
      failover_ = std::make_unique<sip::ServerFailover>(
          timers_, ua_, [this](bool to_alternate) { move_to(to_alternate); });
      failover_->moved(false, main_config_.server);
    }
  }

  Result<void> configure_media(vth::MediaConfig config) {
    return media_.configure(std::move(config));
  }

  sip::UserAgent& ua() { return ua_; }

  void move_to(bool to_alternate) {
    sip::UaConfig c = main_config_;
    if (to_alternate) c.server = *alternate_;
    print({{"event", "server"}, {"server", c.server.host_port()}});
    ua_.reconfigure(c);
    failover_->moved(to_alternate, main_config_.server);
    ua_.start_registration();
  }

  void start() {
    ua_.start_registration();
    read_line();
  }

 private:
  void on_event(const sip::UaEvent& e) {
    json j{{"event", sip::event_name(e.type)}};
    if (e.call) j["call"] = e.call;
    if (e.status) j["status"] = e.status;
    if (!e.peer.empty()) j["peer"] = e.peer;
    if (!e.reason.empty()) j["reason"] = e.reason;
    if (e.type == sip::UaEvent::Type::Info || e.type == sip::UaEvent::Type::Message) {
      j["content_type"] = e.content_type;
      j["body"] = e.body;
    }
    print(j);
    if (failover_) failover_->on_ua_event(e);
    switch (e.type) {
      case sip::UaEvent::Type::Answered:
        media_.on_established(e.call, e.body);
        break;
      case sip::UaEvent::Type::Bye:
      case sip::UaEvent::Type::Cancelled:
      case sip::UaEvent::Type::Rejected:
        media_.on_ended(e.call);
        break;
      default:
        break;
    }
    media_.keep_only(ua_.calls());
    if (e.type == sip::UaEvent::Type::IncomingCall) {
      last_call_ = e.call;
      if (auto_answer_ms_ >= 0) {
        const sip::CallHandle id = e.call;
        timers_.start(core::Duration(auto_answer_ms_), [this, id] {
          const auto calls = ua_.calls();
          if (std::find(calls.begin(), calls.end(), id) == calls.end()) return;  // cancelled
          if (auto r = ua_.answer(id); !r) print_error(r.error().message);
        });
      }
    } else if (e.type == sip::UaEvent::Type::Answered || e.type == sip::UaEvent::Type::Ringing) {
      last_call_ = e.call;
    }
  }

  void read_line() {
    asio::async_read_until(input_, buffer_, '\n',
                           [this](const boost::system::error_code& ec, std::size_t) {
                             if (ec) {
                               // stdin closed: keep running (tests may detach it); quit comes by
                               // signal.
                               return;
                             }
                             std::istream is(&buffer_);
                             std::string line;
                             std::getline(is, line);
                             handle(line);
                             read_line();
                           });
  }

  void handle(const std::string& line) {
    std::istringstream words(line);
    std::string cmd, arg;
    words >> cmd >> arg;
    if (cmd.empty()) return;
    auto call_arg = [&]() -> sip::CallHandle {
      if (arg.empty()) return last_call_;
      try {
        return std::stoull(arg);
      } catch (...) {
        return 0;
      }
    };
    Result<void> r;
    if (cmd == "answer") {
      r = ua_.answer(call_arg());
    } else if (cmd == "reject") {
      r = ua_.reject(call_arg(), 486);
    } else if (cmd == "hangup") {
      r = ua_.hangup(call_arg());
    } else if (cmd == "call") {
      if (arg.empty()) {
        print_error("usage: call NUMBER");
        return;
      }
      last_call_ = ua_.call(arg);
      print({{"event", "calling"}, {"call", last_call_}, {"to", arg}});
    } else if (cmd == "doors") {
      ua_.send_options("", std::string(sip::SipServer::kDoorsContentType),
                       [](int status, std::string content_type, std::string body) {
                         json j{{"event", "doors"}, {"status", status}};
                         if (status == 200 && content_type == sip::SipServer::kDoorsContentType) {
                           json parsed = json::parse(body, nullptr, false);
                           if (!parsed.is_discarded() && parsed.contains("doors"))
                             j["doors"] = parsed["doors"];
                         }
                         print(j);
                       });
      return;
    } else if (cmd == "monitor") {
      if (arg.empty() || arg.size() > 5 ||
          arg.find_first_not_of("0123456789") != std::string::npos) {
        print_error("usage: monitor VTO_NO (1-5 digits)");
        return;
      }
      media_.next_offer_with_video();
      last_call_ = ua_.call(arg);
      print({{"event", "monitoring"}, {"call", last_call_}, {"door", arg}});
      return;
    } else if (cmd == "talk") {
      r = media_.send_dtmf(last_call_, "*");
    } else if (cmd == "infos") {
      // Many keys in one application/dtmf-relay INFO, a "Signal=" line each.
      if (arg.empty() || arg.size() > 64 ||
          arg.find_first_not_of("0123456789*#ABCD") != std::string::npos) {
        print_error("usage: infos DIGITS (at most 64 of 0-9 * # A-D)");
        return;
      }
      std::string body;
      for (char d : arg) body += std::string("Signal=") + d + "\r\nDuration=160\r\n";
      r = ua_.send_info(last_call_, "application/dtmf-relay", body);
    } else if (cmd == "dtmf" || cmd == "info") {
      if (arg.empty() || arg.size() > 32 ||
          arg.find_first_not_of("0123456789*#ABCD") != std::string::npos) {
        print_error("usage: " + cmd + " DIGITS (0-9 * # A-D)");
        return;
      }
      if (cmd == "dtmf") {
        r = media_.send_dtmf(last_call_, arg);
      } else {
        for (char d : arg) {
          r = ua_.send_info(last_call_, "application/dtmf-relay",
                            std::string("Signal=") + d + "\r\nDuration=160\r\n");
          if (!r) break;
        }
      }
    } else if (cmd == "snapshot") {
      if (arg.empty()) {
        print_error("usage: snapshot PATH");
        return;
      }
      r = media_.snapshot(last_call_, arg);
    } else if (cmd == "quit") {
      ua_.unregister();
      // Give the un-REGISTER a moment to leave, then stop.
      timers_.start(core::Duration(300), [this] { io_.stop(); });
      return;
    } else {
      print_error("unknown command '" + cmd + "'");
      return;
    }
    if (!r) print_error(r.error().message);
  }

  asio::io_context& io_;
  core::Timers& timers_;
  sip::UaConfig main_config_;
  std::optional<sip::Peer> alternate_;
  sip::UserAgent ua_;
  std::unique_ptr<sip::ServerFailover> failover_;
  int auto_answer_ms_;
  asio::posix::stream_descriptor input_;
  asio::streambuf buffer_;
  sip::CallHandle last_call_ = 0;
  vth::CallMedia media_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vth - OpenVTO software indoor monitor (SIP user agent)"};
  std::string server, alternate, user, password, listen = "127.0.0.1:0", transport_name = "udp",
                                                 domain, log_level = "warn", ca_file,
                                                 srtp = "preferred";
  int auto_answer = -1;
  std::uint32_t expires = 600;
  double tone_hz = 1000;
  std::vector<std::string> audio_codecs;
  app.add_option("--server", server, "SIP server HOST:PORT (the door station)")->required();
  app.add_option("--alternate", alternate,
                 "a second SIP server HOST:PORT (an estate's other node): keepalive every 2 s, "
                 "moved there when the server is lost, back when it answers again");
  app.add_option("--user", user, "user name, e.g. 101#0 (room 101, master monitor)")->required();
  app.add_option("--password", password,
                 "register password (else $VTH_PASSWORD: the environment is not shown to other "
                 "users, a command line is)");
  app.add_option("--listen", listen, "local SIP address IP:PORT (port 0 = any)");
  app.add_option("--transport", transport_name, "udp, tcp or tls")
      ->check(CLI::IsMember({"udp", "tcp", "tls"}));
  app.add_option("--ca", ca_file,
                 "with --transport tls: the PEM file the server's certificate is verified with "
                 "(the door station's own certificate, or the CA that signed it)");
  app.add_option("--srtp", srtp, "SRTP in calls over TLS: off, preferred (default) or required")
      ->check(CLI::IsMember({"off", "preferred", "required"}));
  app.add_option("--domain", domain, "SIP domain of the account (default: the server address)");
  app.add_option("--auto-answer", auto_answer, "answer incoming calls after MS milliseconds");
  app.add_option("--expires", expires, "registration lifetime in seconds")
      ->check(CLI::Range(60, 86400));
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  app.add_option("--tone", tone_hz,
                 "frequency of the tone the monitor sends in calls (0: silence)");
  app.add_option("--audio-codecs", audio_codecs,
                 "audio codecs accepted, in order of preference (default: PCMU,PCMA,opus)")
      ->delimiter(',');
  CLI11_PARSE(app, argc, argv);
  if (password.empty()) {
    if (const char* from_env = std::getenv("VTH_PASSWORD"); from_env != nullptr) {
      password = from_env;
      ::unsetenv("VTH_PASSWORD");
    }
  }
  if (password.empty()) {
    std::fprintf(stderr, "vth: a register password: --password or $VTH_PASSWORD\n");
    return 2;
  }
  core::set_log_level(log_level);

  auto server_addr = sip::parse_host_port(server, 5060);
  auto listen_addr = sip::parse_host_port(listen, 0);
  std::optional<sip::HostPort> alternate_addr;
  if (!alternate.empty()) {
    auto parsed = sip::parse_host_port(alternate, 5060);
    if (!parsed) {
      std::cerr << "vth: --alternate takes a numeric IP[:PORT]\n";
      return 2;
    }
    alternate_addr = *parsed;
  }
  if (!server_addr || !listen_addr) {
    std::cerr << "vth: --server and --listen take a numeric IP[:PORT]\n";
    return 2;
  }
  std::string trusted;
  if (transport_name == "tls") {
    std::ifstream in(ca_file);
    std::stringstream text;
    text << in.rdbuf();
    trusted = text.str();
    if (ca_file.empty() || !in ||
        trusted.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      std::cerr << "vth: --transport tls needs --ca with the server's certificate (PEM)\n";
      return 2;
    }
  }
  asio::io_context io;
  core::AsioTimers timers(io);
  sip::TransportConfig tcfg;
  tcfg.listen_ip = listen_addr->host;
  tcfg.port = listen_addr->port;
  sip::AsioTransport transport(io, tcfg);
  if (auto r = transport.start(); !r) {
    print_error(r.error().message);
    return 1;
  }
  if (!trusted.empty()) {
    std::vector<sip::TlsPeerTrust> trust{{server_addr->host, server_addr->port, trusted}};
    if (alternate_addr) trust.push_back({alternate_addr->host, alternate_addr->port, trusted});
    if (auto r = transport.set_tls_trust(trust); !r) {
      print_error(r.error().message);
      return 1;
    }
  }
  sip::TransactionLayer tl(timers, transport);
  transport.set_handler(
      [&tl](sip::Message&& m, const sip::Peer& from) { tl.receive(std::move(m), from); });

  sip::UaConfig cfg;
  cfg.user = user;
  cfg.password = password;
  cfg.domain = domain;
  cfg.server =
      sip::Peer{*sip::parse_transport(transport_name), server_addr->host, server_addr->port, 0};
  cfg.register_expires = expires;
  cfg.user_agent = "OpenVTO-vth/0.1";
  std::optional<sip::Peer> alternate_peer;
  if (alternate_addr) {
    alternate_peer = sip::Peer{cfg.server.transport, alternate_addr->host, alternate_addr->port, 0};
    cfg.keepalive = core::Duration(2000);
    cfg.keepalive_timeout = core::Duration(2000);
  }
  Monitor monitor(io, timers, tl, cfg, alternate_peer, auto_answer);
  // A closed connection to the server: registered again at once (or moved on).
  transport.set_closed_handler(
      [&monitor](const sip::Peer& to) { monitor.ua().connection_closed(to); });
  tl.set_user(&monitor.ua());
  // Media goes where SIP is advertised (the listen address, or the primary interface's).
  if (auto r = monitor.configure_media(
          vth::MediaConfig{*sip::numeric_ip(transport.local(cfg.server.transport).host), tone_hz,
                           audio_codecs, *media::parse_srtp_policy(srtp)});
      !r) {
    print_error(r.error().message);
    return 1;
  }
  print({{"event", "started"},
         {"user", user},
         {"listen", transport.local(cfg.server.transport).host_port()}});
  monitor.start();

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    monitor.ua().unregister();
    timers.start(core::Duration(300), [&] { io.stop(); });
  });
  io.run();
  print({{"event", "stopped"}});
  return 0;
}
