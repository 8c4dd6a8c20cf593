#include "sip/ua/user_agent.h"

#include "sip/ua/user_agent_call.h"

#include <algorithm>

#include "core/log.h"

namespace vto::sip {

namespace {
constexpr int kMaxAuthAttempts = 2;
constexpr core::Duration kRegisterRetry{30000};
constexpr core::Duration kClosedRegisterGap{1000};
}  // namespace

std::string_view event_name(UaEvent::Type t) {
  switch (t) {
    case UaEvent::Type::Registered:
      return "registered";
    case UaEvent::Type::RegistrationFailed:
      return "registration_failed";
    case UaEvent::Type::Unregistered:
      return "unregistered";
    case UaEvent::Type::IncomingCall:
      return "incoming_call";
    case UaEvent::Type::Ringing:
      return "ringing";
    case UaEvent::Type::Answered:
      return "answered";
    case UaEvent::Type::Cancelled:
      return "cancelled";
    case UaEvent::Type::Rejected:
      return "rejected";
    case UaEvent::Type::Bye:
      return "bye";
    case UaEvent::Type::Info:
      return "info";
    case UaEvent::Type::Message:
      return "message";
    case UaEvent::Type::Reoffer:
      return "reoffer";
    case UaEvent::Type::Error:
      return "error";
  }
  return "error";
}

namespace {

// The digest server of a door that authenticates its callers: its own account's realm
// (the server's domain), MD5 as proxies' uac_auth speak it.
std::unique_ptr<auth::DigestServer> caller_digest_for(core::Timers& timers,
                                                      const UaConfig& config) {
  if (!config.authenticate_callers) return nullptr;
  auth::DigestConfig options;
  options.realm = config.domain;
  options.algorithms = {auth::Algorithm::Md5};
  return std::make_unique<auth::DigestServer>(timers, options);
}

}  // namespace

UserAgent::UserAgent(TransactionLayer& transactions, UaConfig config)
    : tl_(transactions), config_(std::move(config)) {
  if (config_.domain.empty()) config_.domain = config_.server.host_port();
  caller_digest_ = caller_digest_for(tl_.timers(), config_);
  reg_call_id_ = tl_.new_tag() + tl_.new_tag() + "@openvto";
}

UserAgent::~UserAgent() {
  tl_.timers().cancel(reg_timer_);
  tl_.timers().cancel(keepalive_timer_);
  for (auto& [id, p] : probes_) {
    tl_.timers().cancel(p.deadline);
    tl_.abandon(p.tx);
  }
  for (auto& [id, call] : calls_) {
    tl_.timers().cancel(call->ok_timer);
    tl_.timers().cancel(call->bye_timer);
  }
}

void UserAgent::emit(UaEvent event) {
  if (on_event_) on_event_(event);
}

std::string UserAgent::aor_uri() const {
  return "sip:" + escape_user(config_.user) + "@" + config_.domain;
}

std::string UserAgent::contact_uri() const {
  auto local = tl_.transport().local(config_.server.transport);
  std::string uri = "sip:" + escape_user(config_.user) + "@" + local.host_port();
  uri += transport_param(config_.server.transport);
  return uri;
}

std::string UserAgent::via() const {
  return via_for(config_.server.transport);
}

std::string UserAgent::via_for(Transport t) const {
  std::string v = "SIP/2.0/" + std::string(transport_name(t)) + " " +
                  tl_.transport().local(t).host_port() + ";branch=" + tl_.new_branch() + ";rport";
  // RFC 5923: the server may send its requests back over this connection (a door that
  // authenticates its callers takes calls over it).
  if (t != Transport::Udp) v += ";alias";
  return v;
}

bool UserAgent::from_own_connection(const Peer& from) const {
  if (from.transport == Transport::Udp || from.connection == 0) return false;
  return from.connection == tl_.transport().connection_to(config_.server);
}

Message UserAgent::caller_challenge(const Message& request, bool stale) const {
  Message r = make_response(request, 401, "Unauthorized", tl_.new_tag());
  for (auto& value : caller_digest_->challenges(stale))
    r.add_header(HeaderId::WwwAuthenticate, std::move(value));
  return r;
}

std::optional<Message> UserAgent::check_caller(const Message& request, const Peer& from) {
  if (!caller_digest_ || from_own_connection(from)) return std::nullopt;
  auto authorization = request.header(HeaderId::Authorization);
  if (!authorization) return caller_challenge(request, false);
  auto credentials = auth::parse_credentials(*authorization);
  if (!credentials) return make_response(request, 400, "Bad Authorization header");
  auto verdict =
      caller_digest_->verify(request.method(), *credentials, [this](std::string_view user) {
        const std::string name = unescape(user).value_or(std::string(user));
        return name == config_.user ? std::optional<std::string>(config_.password) : std::nullopt;
      });
  switch (verdict.verdict) {
    case auth::Verdict::Ok:
      return std::nullopt;
    case auth::Verdict::Stale:
      return caller_challenge(request, true);
    case auth::Verdict::UnknownNonce:
      return caller_challenge(request, false);
    case auth::Verdict::Invalid:
    case auth::Verdict::Replay:
      break;
  }
  core::logger("ua")->info("{} from {} refused: wrong credentials for {}", request.method(),
                           from.host_port(), credentials->username);
  if (guard_) (void)guard_->failure(credentials->username, request.method(), from);
  return make_response(request, 403, "Forbidden", tl_.new_tag());
}

std::optional<Message> UserAgent::screen(const Message& request, const Peer& from) {
  if (!caller_digest_) return std::nullopt;
  const std::string_view method = request.method();
  auto to = request.to();
  if ((to && !to->tag().empty()) || (method != "INVITE" && method != "MESSAGE")) {
    return std::nullopt;
  }
  // Strangers get their 401 without any state; answers with credentials are checked with
  // a transaction, in on_request.
  if (from_own_connection(from) || request.header(HeaderId::Authorization)) return std::nullopt;
  return caller_challenge(request, false);
}

std::string UserAgent::target_uri(const std::string& target) const {
  if (target.starts_with("sip:") || target.starts_with("sips:")) return target;
  return "sip:" + escape_user(target) + "@" + config_.domain;
}

std::vector<CallHandle> UserAgent::calls() const {
  std::vector<CallHandle> out;
  for (const auto& [id, call] : calls_) out.push_back(id);
  return out;
}

UserAgent::Call* UserAgent::find(CallHandle id) {
  auto it = calls_.find(id);
  return it == calls_.end() ? nullptr : it->second.get();
}

UserAgent::Call* UserAgent::find_by_dialog(const Message& m) {
  auto from = m.from();
  auto to = m.to();
  if (!from || !to) return nullptr;
  const std::string_view call_id = m.call_id();
  // A request from the peer has its tag in From; a response to us has it in To.
  for (auto& [id, call] : calls_) {
    if (call->call_id != call_id) continue;
    if (m.is_request() && from->tag() == call->remote_tag && to->tag() == call->local_tag)
      return call.get();
    if (m.is_response() && from->tag() == call->local_tag) return call.get();
  }
  return nullptr;
}

// ------------------------------------------------------------------ registration

void UserAgent::reconfigure(UaConfig config) {
  tl_.timers().cancel(reg_timer_);
  stop_keepalive();
  const std::string agent = config_.user_agent;
  config_ = std::move(config);
  if (config_.user_agent.empty()) config_.user_agent = agent;
  if (config_.domain.empty()) config_.domain = config_.server.host_port();
  caller_digest_ = caller_digest_for(tl_.timers(), config_);
  registered_ = false;
  reg_auth_attempts_ = 0;
  reg_cseq_ = 0;
  ++reg_generation_;
  reg_call_id_ = tl_.new_tag() + tl_.new_tag() + "@openvto";  // a new registration
}

void UserAgent::start_registration() {
  send_register(config_.register_expires, nullptr);
}

void UserAgent::unregister() {
  tl_.timers().cancel(reg_timer_);
  stop_keepalive();
  send_register(0, nullptr);
}

void UserAgent::send_register(std::uint32_t expires, const Message* challenge) {
  const std::string request_uri = "sip:" + config_.domain;
  Message reg = Message::request("REGISTER", request_uri);
  reg.add_header(HeaderId::Via, via());
  reg.add_header(HeaderId::MaxForwards, "70");
  reg.add_header(HeaderId::From, "<" + aor_uri() + ">;tag=" + tl_.new_tag());
  reg.add_header(HeaderId::To, "<" + aor_uri() + ">");
  reg.add_header(HeaderId::CallId, reg_call_id_);
  reg.add_header(HeaderId::CSeq, std::to_string(++reg_cseq_) + " REGISTER");
  reg.add_header(HeaderId::Contact, "<" + contact_uri() + ">");
  reg.add_header(HeaderId::Expires, std::to_string(expires));
  reg.add_header(HeaderId::UserAgent, config_.user_agent);
  if (challenge) {
    for (auto id : {HeaderId::WwwAuthenticate, HeaderId::ProxyAuthenticate}) {
      if (auto value = challenge->header(id)) {
        auto auth = digest_.answer(*value, "REGISTER", request_uri, config_.user, config_.password);
        if (auth) {
          reg.add_header(id == HeaderId::WwwAuthenticate ? HeaderId::Authorization
                                                         : HeaderId::ProxyAuthorization,
                         std::move(*auth));
        }
        break;
      }
    }
  } else if (auto cached =
                 digest_.authorization("REGISTER", request_uri, config_.user, config_.password)) {
    reg.add_header(HeaderId::Authorization, std::move(*cached));
  }
  tl_.send_request(std::move(reg), config_.server,
                   [this, expires, generation = reg_generation_](const Message& r) {
                     if (generation == reg_generation_) on_register_response(r, expires);
                   });
}

void UserAgent::on_register_response(const Message& response, std::uint32_t expires) {
  const int status = response.status();
  if (status < 200) return;
  if ((status == 401 || status == 407) && reg_auth_attempts_ < kMaxAuthAttempts) {
    ++reg_auth_attempts_;
    send_register(expires, &response);
    return;
  }
  reg_auth_attempts_ = 0;
  if (status == 423) {
    auto min = response.header(HeaderId::MinExpires);
    auto value = min ? parse_uint(*min, 86400) : Result<std::uint32_t>(make_error("none"));
    if (value && *value > expires) {
      config_.register_expires = *value;
      send_register(*value, nullptr);
      return;
    }
  }
  if (status >= 300) {
    registered_ = false;
    stop_keepalive();
    emit({UaEvent::Type::RegistrationFailed,
          0,
          status,
          config_.server.host_port(),
          std::string(response.reason()),
          {},
          {}});
    reg_timer_ = tl_.timers().start(kRegisterRetry, [this] { start_registration(); });
    return;
  }
  if (expires == 0) {
    registered_ = false;
    emit({UaEvent::Type::Unregistered, 0, status, config_.server.host_port(), {}, {}, {}});
    return;
  }
  // The registrar may grant less than asked: use its figure for our contact.
  std::uint32_t granted = expires;
  if (auto contacts = response.contacts()) {
    for (const auto& c : contacts->contacts) {
      if (c.uri.text() != contact_uri()) continue;
      if (auto e = c.params.get("expires")) {
        if (auto v = parse_uint(*e, 0xffffffffU)) granted = *v;
      }
    }
  }
  registered_ = true;
  emit({UaEvent::Type::Registered, 0, status, config_.server.host_port(), {}, {}, {}});
  const auto refresh = std::chrono::seconds(std::max<std::uint32_t>(granted * 4 / 5, 1));
  tl_.timers().cancel(reg_timer_);
  reg_timer_ = tl_.timers().start(std::chrono::duration_cast<core::Duration>(refresh),
                                  [this] { start_registration(); });
  if (keepalive_probe_ == 0) arm_keepalive(config_.keepalive);
}

// ------------------------------------------------------------------ keepalive

std::uint64_t UserAgent::probe(const Peer& to, core::Duration timeout,
                               std::function<void(bool answered)> done) {
  const std::uint64_t id = next_probe_++;
  const std::string uri = "sip:" + to.host_port();
  Message m = Message::request("OPTIONS", uri);
  m.add_header(HeaderId::Via, via_for(to.transport));
  m.add_header(HeaderId::MaxForwards, "70");
  m.add_header(HeaderId::From, "<" + aor_uri() + ">;tag=" + tl_.new_tag());
  m.add_header(HeaderId::To, "<" + uri + ">");
  m.add_header(HeaderId::CallId, tl_.new_tag() + tl_.new_tag() + "@openvto");
  m.add_header(HeaderId::CSeq, "1 OPTIONS");
  m.add_header(HeaderId::UserAgent, config_.user_agent);
  Probe& p = probes_[id];
  p.done = std::move(done);
  p.deadline = tl_.timers().start(timeout, [this, id] { finish_probe(id, false, true); });
  const TxId tx = tl_.send_request(std::move(m), to, [this, id](const Message& r) {
    // 408 and 503 are what the transaction layer says for no answer and a transport error.
    if (r.status() >= 200) finish_probe(id, r.status() != 408 && r.status() != 503, false);
  });
  p.tx = tx;  // no answer comes from inside send_request: the entry is still there
  return id;
}

void UserAgent::finish_probe(std::uint64_t id, bool answered, bool timed_out) {
  auto it = probes_.find(id);
  if (it == probes_.end()) return;
  Probe p = std::move(it->second);
  probes_.erase(it);
  if (timed_out) {
    tl_.abandon(p.tx);
  } else {
    tl_.timers().cancel(p.deadline);
  }
  if (p.done) p.done(answered);
}

void UserAgent::arm_keepalive(core::Duration after) {
  stop_keepalive();
  if (config_.keepalive.count() <= 0 || !registered_) return;
  keepalive_timer_ = tl_.timers().start(after, [this] {
    keepalive_timer_ = 0;
    // One keepalive at a time: stop_keepalive() drops the one in flight, so this answer
    // is the current one's.
    keepalive_probe_ = probe(config_.server, config_.keepalive_timeout,
                             [this, generation = reg_generation_](bool answered) {
                               keepalive_probe_ = 0;
                               if (generation != reg_generation_ || !registered_) return;
                               if (answered) {
                                 arm_keepalive(config_.keepalive);
                               } else {
                                 server_lost(408, "no answer to keepalive");
                               }
                             });
  });
}

void UserAgent::stop_keepalive() {
  tl_.timers().cancel(keepalive_timer_);
  keepalive_timer_ = 0;
  if (keepalive_probe_ == 0) return;
  if (auto it = probes_.find(keepalive_probe_); it != probes_.end()) {
    tl_.timers().cancel(it->second.deadline);
    tl_.abandon(it->second.tx);
    probes_.erase(it);
  }
  keepalive_probe_ = 0;
}

void UserAgent::server_lost(int status, std::string reason) {
  core::logger("ua")->warn("SIP server {} lost: {}", config_.server.host_port(), reason);
  stop_keepalive();
  registered_ = false;
  tl_.timers().cancel(reg_timer_);
  reg_timer_ = tl_.timers().start(kRegisterRetry, [this] { start_registration(); });
  emit({UaEvent::Type::RegistrationFailed,
        0,
        status,
        config_.server.host_port(),
        std::move(reason),
        {},
        {}});
}

void UserAgent::check_server() {
  if (registered_ && config_.keepalive.count() > 0 && keepalive_probe_ == 0)
    arm_keepalive(core::Duration(0));
}

void UserAgent::connection_closed(const Peer& to) {
  if (config_.server.transport == Transport::Udp || to.transport != config_.server.transport ||
      to.host_port() != config_.server.host_port() || !registered_)
    return;
  stop_keepalive();
  tl_.timers().cancel(reg_timer_);
  // A server that closes every connection right after answering must not make this a
  // loop: at most one such registration a second.
  const auto now = tl_.timers().now();
  core::logger("ua")->info("connection to SIP server {} closed: registering again",
                           config_.server.host_port());
  if (const auto wait =
          closed_register_at_ ? *closed_register_at_ + kClosedRegisterGap - now : core::Duration(0);
      wait > core::Duration(0)) {
    reg_timer_ = tl_.timers().start(std::chrono::duration_cast<core::Duration>(wait), [this] {
      closed_register_at_ = tl_.timers().now();
      start_registration();
    });
    return;
  }
  closed_register_at_ = now;
  start_registration();
}

// ------------------------------------------------------------------ outgoing calls

CallHandle UserAgent::call(const std::string& target) {
  auto call = std::make_unique<Call>();
  call->id = next_call_++;
  call->outgoing = true;
  call->call_id = tl_.new_tag() + tl_.new_tag() + "@openvto";
  call->local_tag = tl_.new_tag();
  call->local_uri = aor_uri();
  call->remote_uri = target_uri(target);
  call->remote_target = call->remote_uri;
  Call& ref = *call;
  calls_.emplace(call->id, std::move(call));
  send_invite(ref, nullptr);
  return ref.id;
}

struct UserAgent::OutgoingMessage {
  std::string method = "MESSAGE";
  std::string uri, call_id, from_tag, content_type, body, accept;
  std::uint32_t cseq = 0;
  bool challenged = false;
  std::function<void(const Message& response)> done;
};

void UserAgent::send_message(const std::string& target, const std::string& content_type,
                             const std::string& body, std::function<void(int status)> done) {
  auto m = std::make_shared<OutgoingMessage>();
  m->uri = target_uri(target);
  m->call_id = tl_.new_tag() + tl_.new_tag() + "@" + config_.domain;
  m->from_tag = tl_.new_tag();
  m->content_type = content_type;
  m->body = body;
  m->done = [done = std::move(done)](const Message& r) {
    if (done) done(r.status());
  };
  send_message_request(std::move(m), nullptr);
}

void UserAgent::send_options(
    const std::string& target, const std::string& accept,
    std::function<void(int status, std::string content_type, std::string body)> done) {
  auto m = std::make_shared<OutgoingMessage>();
  m->method = "OPTIONS";
  m->uri = target.empty() ? "sip:" + config_.server.host_port() : target_uri(target);
  m->call_id = tl_.new_tag() + tl_.new_tag() + "@" + config_.domain;
  m->from_tag = tl_.new_tag();
  m->accept = accept;
  m->done = [done = std::move(done)](const Message& r) {
    if (done) {
      done(r.status(), std::string(r.header(HeaderId::ContentType).value_or("")),
           std::string(r.body()));
    }
  };
  send_message_request(std::move(m), nullptr);
}

void UserAgent::send_message_request(std::shared_ptr<OutgoingMessage> m, const Message* challenge) {
  Message msg = Message::request(m->method, m->uri);
  msg.add_header(HeaderId::Via, via());
  msg.add_header(HeaderId::MaxForwards, "70");
  std::string from = "<" + aor_uri() + ">;tag=" + m->from_tag;
  if (!config_.display_name.empty()) from = "\"" + config_.display_name + "\" " + from;
  msg.add_header(HeaderId::From, from);
  msg.add_header(HeaderId::To, "<" + m->uri + ">");
  msg.add_header(HeaderId::CallId, m->call_id);
  msg.add_header(HeaderId::CSeq, std::to_string(++m->cseq) + " " + m->method);
  msg.add_header(HeaderId::UserAgent, config_.user_agent);
  if (!m->accept.empty()) msg.add_header(HeaderId::Accept, m->accept);
  if (challenge) {
    for (auto id : {HeaderId::WwwAuthenticate, HeaderId::ProxyAuthenticate}) {
      if (auto value = challenge->header(id)) {
        auto auth = digest_.answer(*value, m->method, m->uri, config_.user, config_.password);
        if (auth) {
          msg.add_header(id == HeaderId::WwwAuthenticate ? HeaderId::Authorization
                                                         : HeaderId::ProxyAuthorization,
                         std::move(*auth));
        }
        break;
      }
    }
  }
  if (!m->body.empty() || !m->content_type.empty()) msg.set_body(m->body, m->content_type);
  tl_.send_request(std::move(msg), config_.server, [this, m](const Message& r) {
    const int status = r.status();
    if (status < 200) return;
    if ((status == 401 || status == 407) && !m->challenged) {
      m->challenged = true;
      send_message_request(m, &r);
      return;
    }
    if (auto to = r.to(); (status == 408 || status == 503) && (!to || to->tag().empty()))
      check_server();
    if (m->done) m->done(r);
  });
}

void UserAgent::send_invite(Call& call, const Message* challenge) {
  Message inv = Message::request("INVITE", call.remote_uri);
  inv.add_header(HeaderId::Via, via());
  inv.add_header(HeaderId::MaxForwards, "70");
  std::string from = "<" + call.local_uri + ">;tag=" + call.local_tag;
  if (!config_.display_name.empty()) from = "\"" + config_.display_name + "\" " + from;
  inv.add_header(HeaderId::From, from);
  inv.add_header(HeaderId::To, "<" + call.remote_uri + ">");
  inv.add_header(HeaderId::CallId, call.call_id);
  inv.add_header(HeaderId::CSeq, std::to_string(++call.local_cseq) + " INVITE");
  inv.add_header(HeaderId::Contact, "<" + contact_uri() + ">");
  inv.add_header(HeaderId::Allow, std::string(kUaAllow));
  inv.add_header(HeaderId::UserAgent, config_.user_agent);
  if (challenge) {
    for (auto id : {HeaderId::WwwAuthenticate, HeaderId::ProxyAuthenticate}) {
      if (auto value = challenge->header(id)) {
        auto auth =
            digest_.answer(*value, "INVITE", call.remote_uri, config_.user, config_.password);
        if (auth) {
          inv.add_header(id == HeaderId::WwwAuthenticate ? HeaderId::Authorization
                                                         : HeaderId::ProxyAuthorization,
                         std::move(*auth));
        }
        break;
      }
    }
  }
  if (sdp_) {
    const bool keys_allowed = config_.server.transport == Transport::Tls || config_.local_server;
    inv.set_body(sdp_(call.id, {}, keys_allowed), "application/sdp");
  }
  call.invite = inv.clone();
  const CallHandle id = call.id;
  call.invite_tx = tl_.send_request(std::move(inv), config_.server,
                                    [this, id](const Message& r) { on_invite_response(id, r); });
}

void UserAgent::on_invite_response(CallHandle id, const Message& response) {
  Call* call = find(id);
  if (!call) return;
  const int status = response.status();
  auto to = response.to();
  if (status < 200) {
    if (status > 100) {
      if (to && !to->tag().empty()) call->remote_tag = std::string(to->tag());
      if (call->state == Call::State::Calling) {
        call->state = Call::State::Early;
        emit({UaEvent::Type::Ringing,
              id,
              status,
              call->remote_uri,
              std::string(response.reason()),
              {},
              {}});
      }
      if (call->hangup_requested && !call->cancel_sent) {
        call->cancel_sent = true;
        tl_.send_request(make_cancel(*call->invite), config_.server, [](const Message&) {});
      }
    }
    return;
  }
  // No answer at all, or no way to send: is the server still there?
  if ((status == 408 || status == 503) && (!to || to->tag().empty())) check_server();
  if (status < 300) {
    const bool retransmission = call->state == Call::State::Established;
    if (retransmission && to && to->tag() != call->remote_tag) {
      end_extra_dialog(*call, response);
      return;
    }
    if (!retransmission) {
      if (to) call->remote_tag = std::string(to->tag());
      if (auto contacts = response.contacts(); contacts && !contacts->contacts.empty()) {
        call->remote_target = std::string(contacts->contacts.front().uri.text());
      }
      call->route_set.clear();
      for (auto rr : response.header_values(HeaderId::RecordRoute))
        call->route_set.emplace_back(rr);
      std::reverse(call->route_set.begin(), call->route_set.end());
      call->state = Call::State::Established;
      call->remote_sdp = std::string(response.body());
    }
    // ACK every 2xx, retransmissions included (RFC 3261 §13.2.2.4).
    Message ack = in_dialog_request(*call, "ACK");
    ack.set_header(HeaderId::CSeq, std::to_string(call->invite->cseq()->number) + " ACK");
    (void)tl_.send_stateless(ack, dialog_next_hop(*call));
    if (retransmission) return;
    emit({UaEvent::Type::Answered,
          id,
          status,
          call->remote_uri,
          {},
          call->remote_sdp,
          "application/sdp",
          call->remote_target});
    if (call->hangup_requested) (void)hangup(id);
    return;
  }
  if ((status == 401 || status == 407) && call->auth_attempts < kMaxAuthAttempts &&
      !call->hangup_requested) {
    ++call->auth_attempts;
    send_invite(*call, &response);
    return;
  }
  const bool cancelled = status == 487 && call->hangup_requested;
  emit({cancelled ? UaEvent::Type::Cancelled : UaEvent::Type::Rejected,
        id,
        status,
        call->remote_uri,
        std::string(response.reason()),
        {},
        {}});
  end_call(id);
}

// A forked INVITE answered by a second device too (two monitors picked up at the same
// moment): that dialog is confirmed with an ACK and ended with a BYE at once (RFC 3261
// §13.2.2.4), so the call stays with the first.
void UserAgent::end_extra_dialog(const Call& call, const Message& response) {
  Call extra;
  extra.call_id = call.call_id;
  extra.local_tag = call.local_tag;
  extra.remote_tag = std::string(response.to()->tag());
  extra.local_uri = call.local_uri;
  extra.remote_uri = call.remote_uri;
  extra.remote_target = call.remote_uri;
  if (auto contacts = response.contacts(); contacts && !contacts->contacts.empty()) {
    extra.remote_target = std::string(contacts->contacts.front().uri.text());
  }
  for (auto rr : response.header_values(HeaderId::RecordRoute)) extra.route_set.emplace_back(rr);
  std::reverse(extra.route_set.begin(), extra.route_set.end());
  extra.local_cseq = call.invite ? call.invite->cseq()->number : call.local_cseq;
  const Peer hop = dialog_next_hop(extra);
  (void)tl_.send_stateless(in_dialog_request(extra, "ACK"), hop);
  tl_.send_request(in_dialog_request(extra, "BYE"), hop, [](const Message&) {});
  core::logger("ua")->info("call {}: a second device answered too; ended its dialog", call.id);
}

Message UserAgent::in_dialog_request(Call& call, std::string_view method) {
  Message req = Message::request(method, call.remote_target);
  Peer hop = dialog_next_hop(call);
  req.add_header(HeaderId::Via, "SIP/2.0/" + std::string(transport_name(hop.transport)) + " " +
                                    tl_.transport().local(hop.transport).host_port() +
                                    ";branch=" + tl_.new_branch() + ";rport");
  for (const auto& route : call.route_set) req.add_header(HeaderId::Route, route);
  req.add_header(HeaderId::MaxForwards, "70");
  req.add_header(HeaderId::From, "<" + call.local_uri + ">;tag=" + call.local_tag);
  std::string to = "<" + call.remote_uri + ">";
  if (!call.remote_tag.empty()) to += ";tag=" + call.remote_tag;
  req.add_header(HeaderId::To, to);
  req.add_header(HeaderId::CallId, call.call_id);
  if (method != "ACK")
    req.add_header(HeaderId::CSeq, std::to_string(++call.local_cseq) + " " + std::string(method));
  else
    req.add_header(HeaderId::CSeq, std::to_string(call.local_cseq) + " ACK");
  req.add_header(HeaderId::UserAgent, config_.user_agent);
  return req;
}

Peer UserAgent::dialog_next_hop(const Call& call) const {
  if (!call.route_set.empty()) {
    if (auto route = NameAddr::parse(call.route_set.front())) {
      if (auto hop = uri_destination(route->uri)) return *hop;
    }
  }
  if (auto uri = Uri::parse(call.remote_target)) {
    if (auto hop = uri_destination(*uri)) return *hop;
  }
  return config_.server;
}

}  // namespace vto::sip
