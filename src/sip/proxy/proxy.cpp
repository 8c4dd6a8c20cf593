#include "sip/proxy/proxy.h"

#include <algorithm>

#include "core/log.h"

namespace vto::sip {

struct Proxy::Branch {
  TxId client = 0;
  Message request;  // as sent: CANCEL is built from it
  Peer to;
  std::string aor;
  bool provisional = false;  // a CANCEL may only go once something came back (§9.1)
  bool cancel_wanted = false;
  bool cancel_sent = false;
  int final_status = 0;
  std::optional<Message> final_response;

  explicit Branch(Message&& r) : request(std::move(r)) {}
};

struct Proxy::Fork {
  std::uint64_t id = 0;
  TxId server = 0;
  bool invite = false;
  Message request;  // as received (for the observer)
  std::vector<std::unique_ptr<Branch>> branches;
  bool answered = false;  // a 2xx went upstream
  bool final_sent = false;
  bool cancelled = false;
  std::string cancel_reason;
  std::string winner;
  core::Timers::Id timer_c = 0;

  explicit Fork(Message&& r) : request(std::move(r)) {}
};

Proxy::Proxy(TransactionLayer& transactions, ProxyConfig options)
    : tl_(transactions), options_(options) {}

Proxy::~Proxy() {
  for (auto& [id, fork] : forks_) tl_.timers().cancel(fork->timer_c);
}

std::string Proxy::via_for(Transport t, const std::string& branch) const {
  return "SIP/2.0/" + std::string(transport_name(t)) + " " + tl_.transport().local(t).host_port() +
         ";branch=" + branch + ";rport";
}

std::vector<std::string> Proxy::record_route(Transport in, Transport out, bool secure,
                                             std::string_view token) const {
  auto entry = [this, token, secure](Transport t) {
    const bool sips = secure && t == Transport::Tls;
    std::string uri = (sips ? "<sips:" : "<sip:") + tl_.transport().local(t).host_port();
    if (!sips) uri += transport_param(t);
    if (!token.empty()) uri.append(";").append(RouteToken::kParam).append("=").append(token);
    return uri + ";lr>";
  };
  if (in == out) return {entry(out)};
  return {entry(out), entry(in)};
}

bool Proxy::is_own_uri(const Uri& uri) const {
  for (Transport t : {Transport::Udp, Transport::Tcp, Transport::Tls}) {
    auto local = tl_.transport().local(t);
    std::uint16_t port = uri.port() != 0 ? uri.port() : default_port(t);
    auto ip = numeric_ip(uri.host());
    auto own = numeric_ip(local.host);
    if (ip && own && *ip == *own && port == local.port) return true;
  }
  return false;
}

void Proxy::fork(TxId tx, Message request, const std::vector<ForkTarget>& targets,
                 bool record_route_it) {
  const Peer* source = tl_.source(tx);
  const Transport in = source ? source->transport : Transport::Udp;
  auto fork = std::make_unique<Fork>(request.clone());
  fork->id = next_fork_++;
  fork->server = tx;
  fork->invite = request.method() == "INVITE";
  const std::uint64_t fork_id = fork->id;
  Fork& f = *fork;
  forks_.emplace(fork_id, std::move(fork));
  fork_of_server_[tx] = fork_id;

  const auto max_forwards = request.max_forwards().value_or(70);
  const auto ruri = Uri::parse(request.request_uri());
  const bool secure = ruri && ruri->secure();
  for (const ForkTarget& target : targets) {
    Message out = request.clone();
    out.set_request_uri(target.request_uri);
    if (target.body) {
      const std::string type(request.header(HeaderId::ContentType).value_or("application/sdp"));
      out.set_body(*target.body, type);
    }
    out.set_header(HeaderId::MaxForwards, std::to_string(max_forwards > 0 ? max_forwards - 1 : 0));
    if (record_route_it) {
      // The token names the dialog's two ends: the caller and this branch's callee.
      const std::string token =
          route_token_.sign(request.call_id(), source ? source->ip : "", target.next_hop.ip);
      auto rr = record_route(in, target.next_hop.transport, secure, token);
      for (auto it = rr.rbegin(); it != rr.rend(); ++it)
        out.prepend_header(HeaderId::RecordRoute, *it);
    }
    out.prepend_header(HeaderId::Via, via_for(target.next_hop.transport, tl_.new_branch()));
    auto branch = std::make_unique<Branch>(std::move(out));
    branch->to = target.next_hop;
    branch->aor = target.aor;
    f.branches.push_back(std::move(branch));
  }
  // Start the branches only once all exist: a synchronous failure may finish the fork.
  for (std::size_t i = 0; i < f.branches.size(); ++i) {
    Branch& b = *f.branches[i];
    b.client = tl_.send_request(b.request.clone(), b.to, [this, fork_id, i](const Message& r) {
      on_branch_response(fork_id, i, r);
    });
  }
  if (f.invite) {
    f.timer_c = tl_.timers().start(options_.ring_timeout, [this, fork_id] {
      auto it = forks_.find(fork_id);
      if (it == forks_.end()) return;
      it->second->timer_c = 0;
      cancel_pending(*it->second, "SIP;cause=408;text=\"Ring timeout\"");
    });
  }
}

void Proxy::on_branch_response(std::uint64_t fork_id, std::size_t index, const Message& response) {
  auto it = forks_.find(fork_id);
  if (it == forks_.end()) {
    // The fork is over; a late 2xx (retransmission) still goes upstream.
    if (response.status() >= 200 && response.status() < 300)
      forward_stray_response(response.clone());
    return;
  }
  Fork& fork = *it->second;
  Branch& branch = *fork.branches[index];
  const int status = response.status();
  if (status < 200) {
    branch.provisional = true;
    if (branch.cancel_wanted && !branch.cancel_sent) send_cancel(fork, branch);
    if (status == 100 || fork.final_sent || fork.answered) return;
    tl_.respond(fork.server, upstream(fork, branch, response));
    return;
  }
  if (branch.final_status >= 200 && branch.final_status < 300 && status < 300) {
    // 2xx retransmission of this branch.
    tl_.respond(fork.server, upstream(fork, branch, response));
    return;
  }
  branch.final_status = status;
  if (status < 300) {
    tl_.respond(fork.server, upstream(fork, branch, response));
    if (!fork.answered) {
      fork.answered = true;
      fork.winner = branch.aor;
      core::logger("proxy")->info("call {} answered by {}", fork.request.call_id(), branch.aor);
      cancel_pending(fork, "SIP;cause=200;text=\"Call completed elsewhere\"");
      if (observer_) observer_(fork.request, branch.aor, status);
    }
  } else {
    branch.final_response = response.clone();
    if (status >= 600 && !fork.answered) {
      cancel_pending(fork, "SIP;cause=" + std::to_string(status) + ";text=\"" +
                               std::string(response.reason()) + "\"");
    }
  }
  maybe_finish(fork_id);
}

Message Proxy::upstream(const Fork& fork, const Branch& branch, const Message& response) {
  Message up = response.clone();
  up.remove_first_value(HeaderId::Via);
  if (response_filter_) response_filter_(up, branch.to, tl_.source(fork.server));
  return up;
}

void Proxy::cancel_pending(Fork& fork, const std::string& reason) {
  fork.cancel_reason = reason;
  for (auto& b : fork.branches) {
    if (b->final_status != 0 || b->cancel_wanted) continue;
    b->cancel_wanted = true;
    if (b->provisional) send_cancel(fork, *b);
  }
}

void Proxy::send_cancel(Fork& fork, Branch& branch) {
  if (!fork.invite) return;  // only INVITE can be cancelled meaningfully
  branch.cancel_sent = true;
  Message cancel = make_cancel(branch.request, fork.cancel_reason);
  tl_.send_request(std::move(cancel), branch.to, [](const Message&) {});
}

bool Proxy::cancel(TxId invite_tx, const Message& cancel_request) {
  auto it = fork_of_server_.find(invite_tx);
  if (it == fork_of_server_.end()) return false;
  auto fork = forks_.find(it->second);
  if (fork == forks_.end()) return false;
  fork->second->cancelled = true;
  std::string reason(cancel_request.header(HeaderId::Reason).value_or(""));
  cancel_pending(*fork->second, reason);
  return true;
}

void Proxy::maybe_finish(std::uint64_t fork_id) {
  auto it = forks_.find(fork_id);
  if (it == forks_.end()) return;
  Fork& fork = *it->second;
  for (auto& b : fork.branches) {
    if (b->final_status == 0) return;
  }
  if (!fork.answered && !fork.final_sent) {
    Message best = best_response(fork);
    int status = best.status();
    fork.final_sent = true;
    tl_.respond(fork.server, std::move(best));
    if (observer_) observer_(fork.request, {}, status);
  }
  tl_.timers().cancel(fork.timer_c);
  fork_of_server_.erase(fork.server);
  forks_.erase(it);
}

// RFC 3261 §16.7 step 6: any 6xx wins; otherwise the lowest class, where a real answer
// beats a timeout; 503 becomes 500; 401/407 carry every branch's challenge.
Message Proxy::best_response(Fork& fork) const {
  const Message* best = nullptr;
  auto rank = [](int status) {
    if (status >= 600) return 0;
    if (status == 408) return 50;  // only a timeout: the least informative
    return status / 100;
  };
  for (auto& b : fork.branches) {
    if (!b->final_response) continue;
    if (!best || rank(b->final_status) < rank(best->status())) best = &*b->final_response;
  }
  if (!best) {
    const Message* request = tl_.request(fork.server);
    return make_response(request ? *request : fork.request, 408, "Request Timeout");
  }
  Message out = best->clone();
  out.remove_first_value(HeaderId::Via);
  if (out.status() == 503) out.set_status(500, "Server Internal Error");
  if (out.status() == 401 || out.status() == 407) {
    for (auto& b : fork.branches) {
      if (!b->final_response || &*b->final_response == best) continue;
      for (auto id : {HeaderId::WwwAuthenticate, HeaderId::ProxyAuthenticate}) {
        for (auto v : b->final_response->header_values(id)) out.add_header(id, std::string(v));
      }
    }
  }
  return out;
}

void Proxy::forward_stray_response(Message response) {
  auto via = response.top_via();
  if (!via) return;
  const Transport t = parse_transport(via->transport).value_or(Transport::Udp);
  auto own = tl_.transport().local(t);
  auto ip = numeric_ip(via->host);
  auto own_ip = numeric_ip(own.host);
  if (!ip || !own_ip || *ip != *own_ip ||
      (via->port != 0 ? via->port : default_port(t)) != own.port) {
    return;  // not ours: drop (RFC 3261 §16.7 step 3)
  }
  response.remove_first_value(HeaderId::Via);
  auto dest = response_destination(response, Peer{});
  if (!dest) return;
  if (response_filter_) response_filter_(response, Peer{}, nullptr);
  (void)tl_.send_stateless(response, *dest);
}

void Proxy::forward_stateless(Message request, const Peer& next_hop) {
  auto max_forwards = request.max_forwards().value_or(70);
  if (max_forwards == 0) return;
  request.set_header(HeaderId::MaxForwards, std::to_string(max_forwards - 1));
  // A stateless branch id must be the same for retransmissions: derive it from the
  // incoming one (RFC 3261 §16.11).
  auto via = request.top_via();
  std::string branch =
      "z9hG4bKsl" + std::to_string(std::hash<std::string_view>{}(via ? via->branch() : ""));
  request.prepend_header(HeaderId::Via, via_for(next_hop.transport, branch));
  (void)tl_.send_stateless(request, next_hop);
}

}  // namespace vto::sip
