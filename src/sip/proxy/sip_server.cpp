#include "sip/proxy/sip_server.h"

#include <memory>

#include "core/log.h"

namespace vto::sip {

namespace {

bool has_to_tag(const Message& m) {
  auto to = m.to();
  return to && !to->tag().empty();
}

// "101#7" belongs to room "101" when what follows '#' is 0-99.
bool is_device_of_room(std::string_view aor, std::string_view room) {
  if (aor.size() <= room.size() + 1 || aor.substr(0, room.size()) != room ||
      aor[room.size()] != '#') {
    return false;
  }
  auto index = aor.substr(room.size() + 1);
  if (index.size() > 2) return false;
  for (char c : index) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

SipServer::SipServer(TransactionLayer& transactions, Registrar& registrar, LocationStore& locations,
                     Proxy& proxy, const NumberPlan& plan, SipServerConfig options)
    : tl_(transactions),
      registrar_(registrar),
      locations_(locations),
      proxy_(proxy),
      plan_(plan),
      options_(std::move(options)) {
  proxy_.set_response_filter([this](Message& response, const Peer& branch, const Peer* upstream) {
    if (!carries_srtp_keys(response)) return;
    const bool upstream_ok =
        upstream && (upstream->transport == Transport::Tls || is_own_source(*upstream));
    if (branch.transport == Transport::Tls && upstream_ok) return;
    core::logger("sip")->info("{} {}: SRTP keys taken out (a hop is not TLS)", response.status(),
                              response.call_id());
    strip_keys(response);
  });
}

void SipServer::strip_keys(Message& message) {
  const std::string type(message.header(HeaderId::ContentType).value_or("application/sdp"));
  const bool readable =
      !message.header(HeaderId::ContentEncoding) &&
      !iequals(type.substr(0, std::min<std::size_t>(type.size(), 10)), "multipart/");
  message.set_body(readable ? without_srtp_keys(message.body()) : std::string(), type);
}

bool SipServer::is_local(const Uri& uri) const {
  if (!options_.domain.empty() && iequals(uri.host(), options_.domain)) return true;
  return proxy_.is_own_uri(uri);
}

std::vector<ForkTarget> SipServer::targets_for(std::string_view user) const {
  std::vector<Binding> bindings;
  switch (plan_.classify(user)) {
    case NumberPlan::Kind::Room: {
      std::string prefix = std::string(user) + "#";
      for (Binding& b : locations_.lookup_prefix(prefix)) {
        if (is_device_of_room(b.aor, user)) bindings.push_back(std::move(b));
      }
      break;
    }
    case NumberPlan::Kind::Device:
    case NumberPlan::Kind::Vto:
    case NumberPlan::Kind::Centre:
      bindings = locations_.lookup(user);
      break;
    case NumberPlan::Kind::Unknown:
      break;
  }
  std::vector<ForkTarget> targets;
  targets.reserve(bindings.size());
  for (Binding& b : bindings) targets.push_back({std::move(b.contact), b.source, std::move(b.aor)});
  return targets;
}

SipServer::OwnRoutes SipServer::pop_own_routes(Message& request) const {
  OwnRoutes own;
  for (int i = 0; i < 2; ++i) {  // at most two: double Record-Route (RFC 5658)
    auto routes = request.header_values(HeaderId::Route);
    if (routes.empty()) break;
    auto route = NameAddr::parse(routes.front());
    if (!route || !is_local(route->uri)) break;
    if (auto token = route->uri.params().get(RouteToken::kParam)) own.token = std::string(*token);
    request.remove_first_value(HeaderId::Route);
    own.popped = true;
  }
  return own;
}

bool SipServer::is_own_dialog(const Message& request, const OwnRoutes& own, const Peer& from,
                              const Peer& hop) const {
  return own.popped && !own.token.empty() &&
         proxy_.route_token().verify(own.token, request.call_id(), from.ip, hop.ip);
}

bool SipServer::needs_caller_check(const Message& request, std::string_view user, bool doors_query,
                                   const Peer& from) const {
  if (has_to_tag(request) || is_own_source(from)) return false;
  // A plain OPTIONS to the server itself is a keep-alive anyone may send.
  return !(request.method() == "OPTIONS" && user.empty() && !doors_query);
}

bool SipServer::is_doors_query(const Message& request, std::string_view user) const {
  return request.method() == "OPTIONS" && user.empty() && doors_ && !has_to_tag(request) &&
         request.header(HeaderId::Accept).value_or("").find(kDoorsContentType) !=
             std::string_view::npos;
}

std::optional<Message> SipServer::screen(const Message& request, const Peer& from) {
  const std::string_view method = request.method();
  if (method == "REGISTER" || method == "CANCEL" || request.count(HeaderId::Route) > 0) {
    return std::nullopt;
  }
  auto ruri = Uri::parse(request.request_uri());
  if (!ruri || !ruri->is_sip() || !is_local(*ruri)) return std::nullopt;
  const std::string user = ruri->user_unescaped();
  if (!needs_caller_check(request, user, is_doors_query(request, user), from)) return std::nullopt;
  return registrar_.challenge_stranger(request, from);
}

void SipServer::respond_later(TxId tx, Message response, core::Duration delay) {
  if (delay.count() <= 0) {
    tl_.respond(tx, std::move(response));
    return;
  }
  auto held = std::make_shared<Message>(std::move(response));
  tl_.timers().start(delay, [this, tx, held] { tl_.respond(tx, std::move(*held)); });
}

Result<Peer> SipServer::next_hop_for(const Uri& uri) const {
  std::string user = uri.user_unescaped();
  if (!user.empty()) {
    const auto bindings = locations_.lookup(user);
    for (const Binding& b : bindings) {
      if (b.contact == uri.text()) return b.source;
    }
    // The same contact address with other parameters (a phone's 200 OK Contact may differ
    // from the one it registered): still that device, reached where it registered from.
    for (const Binding& b : bindings) {
      auto contact = Uri::parse(b.contact);
      if (contact && iequals(contact->host(), uri.host()) && contact->port() == uri.port())
        return b.source;
    }
  }
  return uri_destination(uri);
}

bool SipServer::is_own_source(const Peer& from) const {
  // This VTO's own user agent sends its calls through this server from the same socket.
  const auto local = tl_.transport().local(from.transport);
  if (from.port != local.port) return false;
  auto own = numeric_ip(local.host);
  return (own && *own == from.ip) || from.ip == "127.0.0.1" || from.ip == "::1";
}

void SipServer::on_request(TxId tx, Message&& request, const Peer& from) {
  route(tx, std::move(request), from);
}

void SipServer::route(TxId tx, Message&& request, const Peer& from) {
  auto log = core::logger("sip");
  const std::string_view method = request.method();
  auto ruri = Uri::parse(request.request_uri());
  if (!ruri) {
    tl_.respond(tx, 400, "Bad Request-URI");
    return;
  }
  if (!ruri->is_sip()) {
    tl_.respond(tx, 416, "Unsupported URI Scheme");
    return;
  }
  if (auto proxy_require = request.header(HeaderId::ProxyRequire)) {
    Message r = make_response(request, 420, "Bad Extension");
    r.add_header(HeaderId::Unsupported, std::string(*proxy_require));
    tl_.respond(tx, std::move(r));
    return;
  }

  if (method == "CANCEL") {
    // Only the sender of the INVITE may cancel it.
    auto invite = tl_.find_invite(request);
    const Peer* invite_source = invite ? tl_.source(*invite) : nullptr;
    if (!invite || !invite_source || invite_source->ip != from.ip) {
      tl_.respond(tx, 481, "Call/Transaction Does Not Exist");
      return;
    }
    tl_.respond(tx, 200, "OK");
    if (!proxy_.cancel(*invite, request) && local_)
      local_->on_request(tx, std::move(request), from);
    return;
  }

  // No relaying (docs/security.md): a request leaves for another host only inside a dialog
  // this server record-routed, between the two ends it was made for. A Route set of
  // anyone else's never chooses where a request goes.
  const OwnRoutes own = pop_own_routes(request);
  if (request.count(HeaderId::Route) > 0) {
    log->info("{} from {} refused: a Route set that is not this server's", method,
              from.host_port());
    tl_.respond(tx, 403, "Relaying Forbidden");
    return;
  }
  if (!is_local(*ruri)) {
    if (!has_to_tag(request) || !own.popped) {
      log->info("{} from {} for {} refused: no relaying", method, from.host_port(),
                request.request_uri());
      tl_.respond(tx, 403, "Relaying Forbidden");
      return;
    }
    Result<Peer> hop = next_hop_for(*ruri);
    if (!hop) {
      tl_.respond(tx, 503, "Next hop unreachable");
      return;
    }
    if (!is_own_dialog(request, own, from, *hop)) {
      log->info("{} from {} for {} refused: not a dialog of this server", method, from.host_port(),
                request.request_uri());
      tl_.respond(tx, 403, "Relaying Forbidden");
      return;
    }
    if (request.max_forwards().value_or(70) == 0) {
      tl_.respond(tx, 483, "Too Many Hops");
      return;
    }
    std::vector<ForkTarget> targets{ForkTarget{std::string(request.request_uri()), *hop, {}}};
    if (!keep_keys_on_tls(tx, request, *ruri, from, targets)) return;
    proxy_.fork(tx, std::move(request), targets, false);
    return;
  }

  if (method == "REGISTER") {
    core::Duration delay{0};
    Message reply = registrar_.handle(request, from, &delay);
    respond_later(tx, std::move(reply), delay);
    return;
  }
  const std::string user = ruri->user_unescaped();
  // A monitor asking for the building's doors: only the building's own devices may know them.
  const bool doors_query = is_doors_query(request, user);
  // Nobody outside the building rings a flat (or learns which numbers exist): a new
  // call or message must come from a registered device or bring its credentials.
  if (needs_caller_check(request, user, doors_query, from)) {
    core::Duration delay{0};
    if (auto refused = registrar_.authorize_caller(request, from, &delay)) {
      respond_later(tx, std::move(*refused), delay);
      return;
    }
  }
  if (user.empty() || (!options_.own_number.empty() && user == options_.own_number) ||
      (has_to_tag(request) && local_)) {
    if (method == "OPTIONS" && (user.empty() || !local_)) {
      Message r = make_response(request, 200, "OK");
      r.add_header(HeaderId::Allow, "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, MESSAGE, REGISTER");
      if (doors_query) r.set_body(doors_(), std::string(kDoorsContentType));
      tl_.respond(tx, std::move(r));
      return;
    }
    if (local_) {
      local_->on_request(tx, std::move(request), from);
    } else {
      tl_.respond(tx, 480, "Temporarily Unavailable");
    }
    return;
  }
  if (request.max_forwards().value_or(70) == 0) {
    tl_.respond(tx, 483, "Too Many Hops");
    return;
  }
  if (plan_.classify(user) == NumberPlan::Kind::Unknown) {
    log->info("{} for unknown number {} from {}", method, user, from.host_port());
    tl_.respond(tx, 404, "Not Found");
    return;
  }
  auto targets = targets_for(user);
  if (targets.empty()) {
    log->info("{} for {}: nobody registered", method, user);
    tl_.respond(tx, 480, "Temporarily Unavailable");
    return;
  }
  if (!keep_keys_on_tls(tx, request, *ruri, from, targets)) return;
  log->info("{} for {} from {}: forking to {} contact(s)", method, user, from.host_port(),
            targets.size());
  const bool dialog_creating = method == "INVITE" || method == "SUBSCRIBE";
  proxy_.fork(tx, std::move(request), targets, dialog_creating);
}

bool SipServer::carries_srtp_keys(const Message& message) {
  const std::string_view body = message.body();
  if (body.empty()) return false;
  if (message.header(HeaderId::ContentEncoding)) return true;
  if (auto type = message.header(HeaderId::ContentType);
      type && type->size() >= 10 && iequals(type->substr(0, 10), "multipart/"))
    return true;
  static constexpr std::string_view kCrypto = "a=crypto:";
  for (std::size_t i = 0; i + kCrypto.size() <= body.size(); ++i) {
    if (iequals(body.substr(i, kCrypto.size()), kCrypto)) return true;
  }
  return false;
}

std::string SipServer::without_srtp_keys(std::string_view sdp) {
  std::string out;
  out.reserve(sdp.size());
  while (!sdp.empty()) {
    const std::size_t end = sdp.find('\n');
    std::string_view line = sdp.substr(0, end == std::string_view::npos ? sdp.size() : end + 1);
    sdp.remove_prefix(line.size());
    if (line.size() >= 9 && iequals(line.substr(0, 9), "a=crypto:")) continue;
    std::string kept(line);
    if (kept.starts_with("m=")) {
      for (auto [from, to] :
           {std::pair{" RTP/SAVPF ", " RTP/AVPF "}, {" RTP/SAVP ", " RTP/AVP "}}) {
        if (auto at = kept.find(from); at != std::string::npos) {
          kept.replace(at, std::string_view(from).size(), to);
          break;
        }
      }
    }
    out += kept;
  }
  return out;
}

bool SipServer::keep_keys_on_tls(TxId tx, const Message& request, const Uri& ruri, const Peer& from,
                                 std::vector<ForkTarget>& targets) {
  auto log = core::logger("sip");
  // A sips: request goes over TLS on every hop (RFC 5630 §3.1.3).
  if (ruri.secure()) {
    std::erase_if(targets,
                  [](const ForkTarget& t) { return t.next_hop.transport != Transport::Tls; });
    if (targets.empty()) {
      log->info("{} for {}: no contact over TLS for a sips: request", request.method(),
                request.request_uri());
      tl_.respond(tx, 480, "Temporarily Unavailable");
      return false;
    }
  }
  if (!carries_srtp_keys(request)) return true;
  const bool own = is_own_source(from);
  if (from.transport != Transport::Tls && !own) {
    // Whoever listens on that network has the keys already; passing them on would also
    // give the callee's answer away.
    log->info("{} from {} refused: SRTP keys over {}", request.method(), from.host_port(),
              transport_name(from.transport));
    tl_.respond(tx, 488, "SRTP Keys Need TLS");
    return false;
  }
  const std::string body(request.body());
  std::erase_if(targets, [&](ForkTarget& t) {
    if (t.next_hop.transport == Transport::Tls) return false;
    if (!own || !plain_copies_) {
      log->info("{} for {}: not sent over {} with SRTP keys", request.method(), t.aor,
                transport_name(t.next_hop.transport));
      return true;
    }
    t.body = without_srtp_keys(body);
    return false;
  });
  if (targets.empty()) {
    tl_.respond(tx, 488, "SRTP Keys Need TLS");
    return false;
  }
  return true;
}

void SipServer::on_stray_ack(Message&& ack, const Peer& from) {
  auto ruri = Uri::parse(ack.request_uri());
  if (!ruri) return;
  const OwnRoutes own = pop_own_routes(ack);
  if (ack.count(HeaderId::Route) > 0) return;  // someone else's Route set: dropped
  if (!is_local(*ruri)) {
    // The ACK of a 2xx in a dialog this server record-routed; any other is dropped.
    if (!has_to_tag(ack) || !own.popped) return;
    auto hop = next_hop_for(*ruri);
    if (!hop || !is_own_dialog(ack, own, from, *hop)) return;
    // An ACK with an answer (late offer): its keys only over TLS, and only from TLS.
    if (carries_srtp_keys(ack) &&
        (hop->transport != Transport::Tls || from.transport != Transport::Tls))
      strip_keys(ack);
    proxy_.forward_stateless(std::move(ack), *hop);
    return;
  }
  if (local_) local_->on_stray_ack(std::move(ack), from);
}

void SipServer::on_stray_response(Message&& response, const Peer& from) {
  // Retransmitted 2xx of a forwarded INVITE reach the proxy through its client
  // transaction while that lasts (64*T1); a response that matches nothing is dropped, so
  // a forged one cannot be reflected to the address its second Via names.
  core::logger("sip")->debug("stray {} from {} dropped", response.status(), from.host_port());
}

void SipServer::on_server_timeout(TxId tx) {
  if (local_) local_->on_server_timeout(tx);
}

}  // namespace vto::sip
