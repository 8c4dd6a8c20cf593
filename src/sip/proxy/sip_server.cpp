#include "sip/proxy/sip_server.h"

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
                     Proxy& proxy, const NumberPlan& plan, SipServerOptions options)
    : tl_(transactions),
      registrar_(registrar),
      locations_(locations),
      proxy_(proxy),
      plan_(plan),
      options_(std::move(options)) {}

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

bool SipServer::pop_own_routes(Message& request) const {
  bool popped = false;
  for (int i = 0; i < 2; ++i) {  // at most two: double Record-Route (RFC 5658)
    auto routes = request.header_values(HeaderId::Route);
    if (routes.empty()) break;
    auto route = NameAddr::parse(routes.front());
    if (!route || !is_local(route->uri)) break;
    request.remove_first_value(HeaderId::Route);
    popped = true;
  }
  return popped;
}

Result<Peer> SipServer::next_hop_for(const Uri& uri) const {
  std::string user = uri.user_unescaped();
  if (!user.empty()) {
    for (const Binding& b : locations_.lookup(user)) {
      if (b.contact == uri.text()) return b.source;
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
    auto invite = tl_.find_invite(request);
    if (!invite) {
      tl_.respond(tx, 481, "Call/Transaction Does Not Exist");
      return;
    }
    tl_.respond(tx, 200, "OK");
    if (!proxy_.cancel(*invite, request) && local_)
      local_->on_request(tx, std::move(request), from);
    return;
  }

  const bool popped = pop_own_routes(request);
  const auto routes = request.header_values(HeaderId::Route);
  if (!routes.empty() || (!is_local(*ruri) && (popped || has_to_tag(request)))) {
    // Loose routing: the next hop is the top Route, or the Request-URI when none is left.
    auto next = routes.empty() ? Result<NameAddr>(make_error("")) : NameAddr::parse(routes.front());
    Result<Peer> hop = routes.empty()
                           ? next_hop_for(*ruri)
                           : (next ? next_hop_for(next->uri) : Result<Peer>(next.error()));
    if (!hop) {
      tl_.respond(tx, 503, "Next hop unreachable");
      return;
    }
    if (request.max_forwards().value_or(70) == 0) {
      tl_.respond(tx, 483, "Too Many Hops");
      return;
    }
    ForkTarget target{std::string(request.request_uri()), *hop, {}};
    proxy_.fork(tx, std::move(request), {target}, false);
    return;
  }

  if (!is_local(*ruri)) {
    // Out-of-dialog request for another domain: this server relays for nobody.
    tl_.respond(tx, 403, "Relaying Forbidden");
    return;
  }
  if (method == "REGISTER") {
    tl_.respond(tx, registrar_.handle(request, from));
    return;
  }
  const std::string user = ruri->user_unescaped();
  // A monitor asking for the building's doors: only the building's own devices may know them.
  const bool doors_query = method == "OPTIONS" && user.empty() && doors_ && !has_to_tag(request) &&
                           request.header(HeaderId::Accept).value_or("").find(kDoorsContentType) !=
                               std::string_view::npos;
  // Nobody outside the building rings a flat (or learns which numbers exist): a new
  // call or message must come from a registered device or bring its credentials.
  if (!has_to_tag(request) && !(method == "OPTIONS" && user.empty() && !doors_query) &&
      !is_own_source(from)) {
    if (auto refused = registrar_.authorize_caller(request, from)) {
      tl_.respond(tx, std::move(*refused));
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
  log->info("{} for {} from {}: forking to {} contact(s)", method, user, from.host_port(),
            targets.size());
  const bool dialog_creating = method == "INVITE" || method == "SUBSCRIBE";
  proxy_.fork(tx, std::move(request), targets, dialog_creating);
}

void SipServer::on_stray_ack(Message&& ack, const Peer& from) {
  auto ruri = Uri::parse(ack.request_uri());
  if (!ruri) return;
  const bool popped = pop_own_routes(ack);
  const auto routes = ack.header_values(HeaderId::Route);
  if (!routes.empty()) {
    auto next = NameAddr::parse(routes.front());
    if (!next) return;
    if (auto hop = next_hop_for(next->uri)) proxy_.forward_stateless(std::move(ack), *hop);
    return;
  }
  if (!is_local(*ruri) && (popped || has_to_tag(ack))) {
    if (auto hop = next_hop_for(*ruri)) proxy_.forward_stateless(std::move(ack), *hop);
    return;
  }
  if (local_) local_->on_stray_ack(std::move(ack), from);
}

void SipServer::on_stray_response(Message&& response, const Peer& from) {
  auto via = response.top_via();
  if (!via) return;
  // Our own Via on top: a 2xx retransmission of a branch we forwarded.
  proxy_.forward_stray_response(std::move(response));
  (void)from;
}

void SipServer::on_server_timeout(TxId tx) {
  if (local_) local_->on_server_timeout(tx);
}

}  // namespace vto::sip
