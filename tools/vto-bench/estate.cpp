// vto-bench estate: the estate platform (two Kamailio nodes sharing registrations) under an
// estate's load.
//   vto-bench estate --nodes 10.99.0.2:5080,10.99.0.3:5080 --realm estate --flats 1000
//                    --first-room 1001 --monitors 3 --room-password P --vtos 50
//                    --first-vto 9001 --vto-password P --rate 10 --calls 300 --max-rate 200
// Registers FLATS x MONITORS software monitors <room>#<n> and VTOS door stations, each a
// user agent on a UDP socket of its own, spread over the nodes so that every flat has
// monitors on more than one node (monitor n of a flat at node n mod nodes, VTO k at node
// k mod nodes): a call then needs the registrations the nodes copied to each other. At
// most IN_FLIGHT REGISTER transactions are under way at once; the whole registration must
// end within SECONDS. Prints how many registered, how long it took and the rate.
// Then group calls: every 1/RATE s a VTO (in turn) calls a flat (in turn); a sample is the
// time from sending the INVITE to having a 180 from every monitor of the flat (one To tag
// each, seen on the calling VTO's socket, matched to the call by its Call-ID). The caller
// then cancels the call; a call not complete within 3 s, or refused, is a failure. CALLS
// calls at RATE, then a ramp at twice the rate, doubling up to MAX_RATE, that stops at
// the first step with a failure: the highest rate without one is reported.
// The monitors never answer: the user agent sends 180 by itself on an INVITE.
// With --hold it only registers (everything at --register-only-on's node if given), and
// keeps the registrations until stdin ends, so that the nodes' copies can be watched.
#include "estate.h"
#include "percentile.h"

#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/asio_timers.h"
#include "sip/message/message.h"
#include "sip/transport/asio_transport.h"
#include "sip/transport/host_port.h"
#include "sip/ua/user_agent.h"

namespace vto::bench {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

constexpr auto kCallTimeout = std::chrono::seconds(3);  // INVITE -> every monitor's 180
constexpr auto kSettle = std::chrono::seconds(5);       // CANCEL and 487 after a step
constexpr auto kUnregister = std::chrono::seconds(20);  // the un-REGISTERs at the end
constexpr auto kCopies = std::chrono::seconds(2);       // registration -> first call

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string::size_type start = 0;
  while (true) {
    const auto end = text.find(sep, start);
    out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

// True when `host` is an address of this machine: only then can a socket be bound to it.
bool is_own_address(asio::io_context& io, const std::string& host) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec || address.is_unspecified() || address.is_multicast()) return false;
  asio::ip::udp::socket socket(io);
  socket.open(address.is_v6() ? asio::ip::udp::v6() : asio::ip::udp::v4(), ec);
  if (ec) return false;
  socket.bind(asio::ip::udp::endpoint(address, 0), ec);
  return !ec;
}

// Every user agent has its own socket: the soft limit on open files goes up to the hard
// one. Returns the limit in force.
std::uint64_t raise_open_files_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return static_cast<std::uint64_t>(limit.rlim_cur);
}

// Between a device's transaction layer and its socket: passes everything on, and keeps
// the Call-ID of the last INVITE sent. UserAgent::call() sends its INVITE before it
// returns, so right after it this names the new call, whose responses the device's
// receive handler then recognizes.
class InviteTap final : public sip::TransportLayer {
 public:
  explicit InviteTap(sip::AsioTransport& inner) : inner_(inner) {}

  void set_handler(Handler handler) override { inner_.set_handler(std::move(handler)); }
  Result<void> send(std::string bytes, const sip::Peer& to) override {
    if (bytes.starts_with("INVITE ")) {
      if (auto parsed = sip::Message::parse(bytes)) last_invite_ = std::string(parsed->call_id());
    }
    return inner_.send(std::move(bytes), to);
  }
  bool reliable(sip::Transport t) const override { return inner_.reliable(t); }
  std::uint64_t connection_to(const sip::Peer& to) const override {
    return inner_.connection_to(to);
  }
  sip::LocalAddress local(sip::Transport t) const override { return inner_.local(t); }
  void set_failure_handler(FailureHandler handler) override {
    inner_.set_failure_handler(std::move(handler));
  }

  void forget() { last_invite_.clear(); }
  const std::string& last_invite_call_id() const { return last_invite_; }

 private:
  sip::AsioTransport& inner_;
  std::string last_invite_;
};

enum class Reg { Idle, Pending, Registered, Failed, Unregistering };

// One simulated monitor or VTO: a UDP socket on 127.0.0.1, its transaction layer and user
// agent, registered at one node.
struct Device {
  std::unique_ptr<sip::AsioTransport> transport;
  std::unique_ptr<InviteTap> tap;
  std::unique_ptr<sip::TransactionLayer> tl;
  std::unique_ptr<sip::UserAgent> ua;
  std::size_t node = 0;
  bool vto = false;
  std::size_t index = 0;  // among the VTOs
  Reg state = Reg::Idle;
};

// A group call of the current step, by its Call-ID.
struct Call {
  std::size_t vto = 0;
  sip::CallHandle handle = 0;
  Clock::time_point sent{};
  std::set<std::string> ringing;  // To tags of the 180s so far: one per monitor
  std::optional<double> ms;       // INVITE -> the last monitor's 180
  int refused = 0;                // a final error status that came first
  bool timed_out = false;
  bool finished() const { return ms || refused || timed_out; }
};

struct StepResult {
  double rate = 0;      // asked for
  double achieved = 0;  // calls placed per second, as it turned out
  int placed = 0;
  std::vector<double> samples;
  int timeouts = 0;            // not every monitor rang within 3 s
  int silent = 0;              // ... of which no monitor rang at all
  int unsent = 0;              // the INVITE could not be told apart (no Call-ID seen)
  std::map<int, int> refused;  // final status -> calls
  int failures() const {
    int n = timeouts + unsent;
    for (const auto& [status, count] : refused) n += count;
    return n;
  }
};

class Estate {
 public:
  explicit Estate(const EstateOptions& o) : o_(o), timers_(io_) {}

  int run() {
    if (int usage = check_options(); usage != 0) return usage;
    if (!make_devices()) return 1;
    const bool registered = register_all();
    if (!registered) {
      unregister_all();
      return 1;
    }
    if (o_.hold) {
      std::cout << "estate: holding the registrations; a line on stdin or its end unregisters"
                << std::endl;
      std::string line;
      std::getline(std::cin, line);
      unregister_all();
      return 0;
    }
    int rc = 0;
    if (o_.calls > 0) {
      // The last registrations need a moment to reach the other nodes.
      run_until([] { return false; }, Clock::now() + kCopies, std::chrono::milliseconds(5));
      rc = call_steps();
    }
    unregister_all();
    return rc;
  }

 private:
  int check_options() {
    for (const auto& text : split(o_.nodes, ',')) {
      auto hp = sip::parse_host_port(text, 5080);
      if (!hp) {
        std::cerr << "vto-bench: --nodes takes IP:PORT,IP:PORT\n";
        return 2;
      }
      if (hp->host.find(':') != std::string::npos) {
        std::cerr << "vto-bench: --nodes: IPv4 addresses only (the devices are on 127.0.0.1)\n";
        return 2;
      }
      if (!is_own_address(io_, hp->host)) {
        std::cerr << "vto-bench: load goes to this machine's own addresses only (" << hp->host
                  << " is not one)\n";
        return 2;
      }
      nodes_.push_back(sip::Peer{sip::Transport::Udp, hp->host, hp->port, 0});
    }
    if (nodes_.empty()) {
      std::cerr << "vto-bench: --nodes names no node\n";
      return 2;
    }
    if (o_.flats < 1 || o_.monitors < 1 || o_.vtos < 1 || o_.in_flight < 1 || o_.rate <= 0) {
      std::cerr << "vto-bench: --flats, --monitors, --vtos, --in-flight and --rate must be "
                   "positive\n";
      return 2;
    }
    if (o_.register_only_on >= static_cast<int>(nodes_.size())) {
      std::cerr << "vto-bench: --register-only-on: there are " << nodes_.size() << " nodes\n";
      return 2;
    }
    if (!o_.room_passwords_file.empty()) {
      std::ifstream in(o_.room_passwords_file);
      if (!in) {
        std::cerr << "vto-bench: cannot read " << o_.room_passwords_file << "\n";
        return 2;
      }
      std::string line;
      while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const auto comma = line.find(',');
        if (comma == std::string::npos || line.rfind("room,", 0) == 0) continue;
        room_passwords_[line.substr(0, comma)] = line.substr(comma + 1);
      }
    }
    for (int i = 0; i < o_.flats; ++i) {
      if (room_password(i).empty()) {
        std::cerr << "vto-bench: no password for room " << room(i)
                  << " (--room-password or --room-passwords)\n";
        return 2;
      }
    }
    const std::uint64_t devices =
        static_cast<std::uint64_t>(o_.flats) * static_cast<std::uint64_t>(o_.monitors) +
        static_cast<std::uint64_t>(o_.vtos);
    const std::uint64_t limit = raise_open_files_limit();
    if (limit < devices + 64) {
      std::cerr << "vto-bench: " << devices << " devices need " << devices + 64
                << " open files; the limit is " << limit << "\n";
      return 2;
    }
    return 0;
  }

  std::string room(int flat) const { return std::to_string(o_.first_room + flat); }
  std::string room_password(int flat) const {
    auto it = room_passwords_.find(room(flat));
    return it != room_passwords_.end() ? it->second : o_.room_password;
  }
  std::size_t node_for(int n) const {
    if (o_.register_only_on >= 0) return static_cast<std::size_t>(o_.register_only_on);
    return static_cast<std::size_t>(n) % nodes_.size();
  }

  // A device on its own UDP socket on 127.0.0.1, not registered yet.
  std::unique_ptr<Device> make_device(const std::string& user, const std::string& password,
                                      std::size_t node) {
    auto d = std::make_unique<Device>();
    sip::TransportConfig cfg;
    cfg.listen_ip = "127.0.0.1";
    cfg.port = 0;
    cfg.tcp = false;
    d->transport = std::make_unique<sip::AsioTransport>(io_, cfg);
    if (auto r = d->transport->start(); !r) {
      std::cerr << "vto-bench: " << r.error().message << "\n";
      return nullptr;
    }
    d->tap = std::make_unique<InviteTap>(*d->transport);
    d->tl = std::make_unique<sip::TransactionLayer>(timers_, *d->tap);
    sip::UaConfig ua;
    ua.user = user;
    ua.password = password;
    ua.domain = o_.realm;
    ua.server = nodes_[node];
    d->ua = std::make_unique<sip::UserAgent>(*d->tl, ua);
    d->tl->set_user(d->ua.get());
    d->node = node;
    return d;
  }

  bool make_devices() {
    const auto started = Clock::now();
    for (int i = 0; i < o_.flats; ++i) {
      for (int n = 0; n < o_.monitors; ++n) {
        auto d = make_device(room(i) + "#" + std::to_string(n), room_password(i), node_for(n));
        if (!d) return false;
        auto* tl = d->tl.get();
        d->transport->set_handler(
            [tl](sip::Message&& msg, const sip::Peer& from) { tl->receive(std::move(msg), from); });
        devices_.push_back(std::move(d));
      }
    }
    for (int k = 0; k < o_.vtos; ++k) {
      auto d = make_device(std::to_string(o_.first_vto + k), o_.vto_password, node_for(k));
      if (!d) return false;
      d->vto = true;
      d->index = static_cast<std::size_t>(k);
      auto* tl = d->tl.get();
      d->transport->set_handler([this, tl](sip::Message&& msg, const sip::Peer& from) {
        std::optional<std::pair<std::size_t, sip::CallHandle>> complete;
        if (msg.is_response() && msg.status() == 180) complete = on_ringing(msg);
        tl->receive(std::move(msg), from);
        // Cancelled once the user agent has seen this 180 too.
        if (complete) {
          asio::post(io_, [this, c = *complete] { (void)vtos_[c.first]->ua->hangup(c.second); });
        }
      });
      vtos_.push_back(d.get());
      devices_.push_back(std::move(d));
    }
    for (auto& d : devices_) {
      Device* dev = d.get();
      dev->ua->set_event_handler([this, dev](const sip::UaEvent& e) { on_event(*dev, e); });
    }
    std::cout << "estate: " << devices_.size() << " user agents (" << o_.flats << " flats x "
              << o_.monitors << " monitors, " << o_.vtos
              << " VTOs) on sockets of their own, made in "
              << seconds_between(started, Clock::now()) << " s\n";
    return true;
  }

  // A 180 on a VTO's socket: the To tag counts for its call. Returns the call to cancel
  // when this was the last monitor of the flat.
  std::optional<std::pair<std::size_t, sip::CallHandle>> on_ringing(const sip::Message& msg) {
    auto it = calls_.find(std::string(msg.call_id()));
    if (it == calls_.end() || it->second.finished()) return std::nullopt;
    Call& c = it->second;
    auto to = msg.to();
    if (!to || to->tag().empty()) return std::nullopt;
    c.ringing.insert(std::string(to->tag()));
    if (static_cast<int>(c.ringing.size()) < o_.monitors) return std::nullopt;
    c.ms = std::chrono::duration<double, std::milli>(Clock::now() - c.sent).count();
    return std::pair{c.vto, c.handle};
  }

  void on_event(Device& d, const sip::UaEvent& e) {
    using T = sip::UaEvent::Type;
    switch (e.type) {
      case T::Registered:
        if (d.state == Reg::Pending) --in_flight_;
        if (d.state == Reg::Failed) --failed_;
        if (d.state == Reg::Pending || d.state == Reg::Failed) {
          d.state = Reg::Registered;
          ++registered_;
          last_registered_ = Clock::now();
        }
        break;
      case T::RegistrationFailed:
        if (d.state == Reg::Pending || d.state == Reg::Registered) {
          if (d.state == Reg::Pending) --in_flight_;
          if (d.state == Reg::Registered) --registered_;
          d.state = Reg::Failed;
          ++failed_;
          ++failure_status_[e.status];
        } else if (d.state == Reg::Unregistering) {
          d.state = Reg::Idle;  // the user agent tries again in 30 s; the bench is gone by then
          --in_flight_;
          ++unregister_failed_;
        }
        break;
      case T::Unregistered:
        if (d.state == Reg::Unregistering) {
          d.state = Reg::Idle;
          --in_flight_;
        }
        break;
      case T::Rejected:
        if (d.vto) {
          auto h = call_of_.find({d.index, e.call});
          if (h == call_of_.end()) break;
          auto it = calls_.find(h->second);
          if (it != calls_.end() && !it->second.finished()) {
            it->second.refused = e.status != 0 ? e.status : 500;
          }
        }
        break;
      default:
        break;
    }
  }

  // Runs the devices' sockets and timers until `done` or the deadline.
  template <typename Done>
  void run_until(Done done, Clock::time_point deadline, std::chrono::milliseconds slice) {
    while (!done() && Clock::now() < deadline) {
      if (io_.stopped()) io_.restart();
      io_.run_one_for(slice);
    }
  }

  // Every device registers, at most in_flight REGISTER transactions at a time (a challenge
  // and its answer are one registration). False after a refusal or the time limit.
  bool register_all() {
    const auto started = Clock::now();
    const auto deadline = started + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(o_.seconds));
    std::size_t next = 0;
    const int total = static_cast<int>(devices_.size());
    auto top_up = [&] {
      while (in_flight_ < o_.in_flight && next < devices_.size()) {
        Device& d = *devices_[next++];
        d.state = Reg::Pending;
        ++in_flight_;
        d.ua->start_registration();
      }
    };
    while (Clock::now() < deadline) {
      top_up();
      if (registered_ == total) break;
      if (next == devices_.size() && in_flight_ == 0) break;  // every one answered
      if (io_.stopped()) io_.restart();
      io_.run_one_for(std::chrono::milliseconds(5));
    }
    const double elapsed =
        seconds_between(started, registered_ > 0 ? last_registered_ : Clock::now());
    const double per_s = elapsed > 0 ? registered_ / elapsed : 0;
    std::vector<int> per_node(nodes_.size(), 0);
    for (const auto& d : devices_)
      if (d->state == Reg::Registered) ++per_node[d->node];
    std::cout << "estate: " << registered_ << " of " << total << " devices registered in "
              << elapsed << " s: " << per_s << " registrations/s (at most " << o_.in_flight
              << " REGISTER transactions in flight)";
    for (std::size_t i = 0; i < nodes_.size(); ++i)
      std::cout << (i == 0 ? "; " : ", ") << nodes_[i].host_port() << ": " << per_node[i];
    std::cout << "\n";
    if (registered_ != total) {
      std::cerr << "vto-bench: " << total - registered_ << " devices not registered (";
      if (Clock::now() >= deadline) {
        std::cerr << "time limit of " << o_.seconds << " s";
      } else {
        std::cerr << "refused";
      }
      std::cerr << "; " << failed_ << " failed:";
      for (const auto& [status, count] : failure_status_)
        std::cerr << " " << status << "x" << count;
      std::cerr << ")\n";
      return false;
    }
    if (!o_.hold) std::cout << "SUMMARY estate-register-per-s " << per_s << " (no goal)\n";
    return true;
  }

  // Un-REGISTERs every registered device, at most in_flight at a time, for a bounded time.
  void unregister_all() {
    const auto deadline = Clock::now() + kUnregister;
    in_flight_ = 0;
    std::size_t next = 0;
    while (Clock::now() < deadline) {
      while (in_flight_ < o_.in_flight && next < devices_.size()) {
        Device& d = *devices_[next++];
        if (d.state != Reg::Registered && d.state != Reg::Failed && d.state != Reg::Pending)
          continue;
        d.state = Reg::Unregistering;
        ++in_flight_;
        d.ua->unregister();
      }
      if (next == devices_.size() && in_flight_ == 0) break;
      if (io_.stopped()) io_.restart();
      io_.run_one_for(std::chrono::milliseconds(5));
    }
    if (in_flight_ > 0 || next < devices_.size() || unregister_failed_ > 0) {
      std::cerr << "vto-bench: unregistering: " << in_flight_ << " unanswered, "
                << devices_.size() - next << " not tried, " << unregister_failed_
                << " refused, after " << std::chrono::duration<double>(kUnregister).count()
                << " s\n";
    }
  }

  // Places one call: the next VTO calls the next flat.
  void place_call(StepResult& r, std::deque<std::string>& order) {
    const std::size_t v = next_vto_++ % vtos_.size();
    const int flat = static_cast<int>(next_flat_++ % static_cast<std::uint64_t>(o_.flats));
    Device& d = *vtos_[v];
    d.tap->forget();
    const auto sent = Clock::now();
    const sip::CallHandle handle = d.ua->call(room(flat));
    std::string id = d.tap->last_invite_call_id();
    ++r.placed;
    if (id.empty() || calls_.count(id)) {
      ++r.unsent;
      (void)d.ua->hangup(handle);
      return;
    }
    Call c;
    c.vto = v;
    c.handle = handle;
    c.sent = sent;
    call_of_[{v, handle}] = id;
    order.push_back(id);
    calls_.emplace(std::move(id), std::move(c));
  }

  // CALLS calls at RATE per second; a call not complete 3 s after its INVITE failed.
  StepResult call_step(double rate) {
    StepResult r;
    r.rate = rate;
    calls_.clear();
    call_of_.clear();
    std::deque<std::string> order;  // Call-IDs in the order placed, until finished
    const auto interval = std::chrono::duration<double>(1.0 / rate);
    const auto due = [&](int n) {
      return start_ + std::chrono::duration_cast<Clock::duration>(interval * n);
    };
    start_ = Clock::now();
    Clock::time_point last_placed = start_;
    const auto hard_deadline = due(o_.calls) + kCallTimeout + std::chrono::seconds(5);
    while (Clock::now() < hard_deadline) {
      auto now = Clock::now();
      while (r.placed < o_.calls && now >= due(r.placed)) {
        place_call(r, order);
        last_placed = now;
        now = Clock::now();
      }
      while (!order.empty()) {
        auto it = calls_.find(order.front());
        if (it == calls_.end() || it->second.finished()) {
          order.pop_front();
          continue;
        }
        if (now - it->second.sent < kCallTimeout) break;
        Call& c = it->second;
        c.timed_out = true;
        (void)vtos_[c.vto]->ua->hangup(c.handle);
        order.pop_front();
      }
      if (r.placed == o_.calls && order.empty()) break;
      auto wake = now + std::chrono::milliseconds(5);
      if (r.placed < o_.calls) wake = std::min(wake, due(r.placed));
      if (io_.stopped()) io_.restart();
      io_.run_one_until(wake);
    }
    const double placing = seconds_between(start_, last_placed);
    r.achieved = r.placed > 1 && placing > 0 ? (r.placed - 1) / placing : rate;
    for (const auto& [id, c] : calls_) {
      if (c.ms) {
        r.samples.push_back(*c.ms);
      } else if (c.refused) {
        ++r.refused[c.refused];
      } else {
        ++r.timeouts;  // timed out, or still open when the step gave up
        if (c.ringing.empty()) ++r.silent;
      }
    }
    settle();
    return r;
  }

  // Waits (bounded) until the CANCELs and 487s of the step are done: no call left at any
  // VTO or monitor.
  void settle() {
    const auto deadline = Clock::now() + kSettle;
    auto open_calls = [&] {
      std::size_t n = 0;
      for (const auto& d : devices_) n += d->ua->calls().size();
      return n;
    };
    std::size_t left = open_calls();
    while (left > 0 && Clock::now() < deadline) {
      const auto until = Clock::now() + std::chrono::milliseconds(50);
      run_until([] { return false; }, until, std::chrono::milliseconds(5));
      left = open_calls();
    }
    if (left > 0) {
      std::cout << "estate: " << left << " calls still open at the devices " << kSettle.count()
                << " s after the step (going on)\n";
    }
    calls_.clear();
    call_of_.clear();
  }

  void print_step(const StepResult& r) {
    std::cout << "estate: " << r.placed << " calls at " << r.rate << "/s (placed at " << r.achieved
              << "/s): INVITE -> 180 from all " << o_.monitors << " monitors of the flat: p50 "
              << percentile(r.samples, 50) << " ms, p99 " << percentile(r.samples, 99)
              << " ms, max " << percentile(r.samples, 100) << " ms; " << r.failures() << " failed";
    if (r.failures() > 0) {
      std::cout << " (" << r.timeouts << " incomplete after 3 s, " << r.silent
                << " of them without any 180";
      for (const auto& [status, count] : r.refused)
        std::cout << "; " << count << " refused with " << status;
      if (r.unsent) std::cout << "; " << r.unsent << " INVITEs not seen leaving";
      std::cout << ")";
    }
    std::cout << std::endl;
  }

  int call_steps() {
    const StepResult first = call_step(o_.rate);
    print_step(first);
    const StepResult* best = first.failures() == 0 ? &first : nullptr;
    std::vector<StepResult> ramp;
    ramp.reserve(32);
    if (best) {
      std::vector<double> rates;
      for (double r = o_.rate * 2; r < o_.max_rate && rates.size() < 30; r *= 2) rates.push_back(r);
      if (o_.max_rate > o_.rate) rates.push_back(o_.max_rate);
      for (double rate : rates) {
        ramp.push_back(call_step(rate));
        const StepResult& s = ramp.back();
        print_step(s);
        if (s.failures() > 0) break;
        if (s.achieved < 0.9 * s.rate) {
          std::cout << "estate: the bench placed calls at only " << s.achieved << "/s of " << s.rate
                    << "/s: the ramp stops here\n";
          break;
        }
        best = &s;
      }
    }
    const double p99 = percentile(first.samples, 99);
    std::string rate_name = std::to_string(static_cast<long>(o_.rate + 0.5));
    std::cout << "SUMMARY estate-group-call-p99-ms-at-" << rate_name << " " << p99
              << " (goal < 50; p50 " << percentile(first.samples, 50) << ", " << first.failures()
              << " failed of " << first.placed << ")\n";
    if (best) {
      std::cout << "estate: highest rate without a failure: " << best->rate << " calls/s, p50 "
                << percentile(best->samples, 50) << " ms, p99 " << percentile(best->samples, 99)
                << " ms\n";
    } else {
      std::cout << "estate: no rate without a failure\n";
    }
    std::cout << "SUMMARY estate-max-calls-per-s " << (best ? best->rate : 0)
              << " (no goal; ramp up to " << o_.max_rate << ", " << o_.calls << " calls a step)\n";
    return first.failures() == 0 && !first.samples.empty() ? 0 : 1;
  }

  const EstateOptions& o_;
  asio::io_context io_;
  core::AsioTimers timers_;
  std::vector<sip::Peer> nodes_;
  std::map<std::string, std::string> room_passwords_;
  std::vector<std::unique_ptr<Device>> devices_;  // the monitors, then the VTOs
  std::vector<Device*> vtos_;
  int in_flight_ = 0, registered_ = 0, failed_ = 0, unregister_failed_ = 0;
  std::map<int, int> failure_status_;
  Clock::time_point last_registered_{};
  std::unordered_map<std::string, Call> calls_;  // the step's calls by Call-ID
  std::map<std::pair<std::size_t, sip::CallHandle>, std::string> call_of_;
  std::uint64_t next_vto_ = 0, next_flat_ = 0;
  Clock::time_point start_{};
};

}  // namespace

int run_estate(const EstateOptions& options) {
  Estate estate(options);
  return estate.run();
}

}  // namespace vto::bench
