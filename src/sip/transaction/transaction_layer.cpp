#include "sip/transaction/transaction_layer.h"

#include <algorithm>

#include "core/log.h"
#include "core/secure_random.h"

namespace vto::sip {

namespace {

constexpr std::string_view kMagicCookie = "z9hG4bK";

enum class ServerState { Trying, Proceeding, Completed, Confirmed, Accepted };
enum class ClientState { Calling, Proceeding, Completed, Accepted };

}  // namespace

struct TransactionLayer::ServerTx {
  TxId id = 0;
  std::string key;
  bool invite = false;
  ServerState state = ServerState::Trying;
  std::optional<Message> request;  // let go once a non-INVITE is answered
  Peer source;
  bool reliable = false;
  std::string last_response;  // serialized; resent on retransmitted requests
  Peer response_to;
  int last_status = 0;
  core::Duration g_interval{0};
  core::Timers::Id timer_retransmit = 0;  // G
  core::Timers::Id timer_end = 0;         // H, I, J, L
  bool pending = true;                    // no final response yet: counted for its source

  explicit ServerTx(Message&& req) : request(std::in_place, std::move(req)) {}
};

struct TransactionLayer::ClientTx {
  TxId id = 0;
  std::string key;
  bool invite = false;
  ClientState state = ClientState::Calling;
  Message request;
  std::string bytes;
  Peer to;
  bool reliable = false;
  ResponseHandler handler;
  core::Duration interval{0};
  core::Timers::Id timer_retransmit = 0;  // A, E
  core::Timers::Id timer_timeout = 0;     // B, F
  core::Timers::Id timer_end = 0;         // D, K, M
  std::string ack_bytes;                  // ACK of a non-2xx final response

  explicit ClientTx(Message&& req) : request(std::move(req)) {}
};

std::string server_key(const Message& request, bool for_cancel_target) {
  auto via = request.top_via();
  auto cseq = request.cseq();
  if (!via || !cseq) return {};
  std::string_view method = request.method();
  if (method == "ACK" || for_cancel_target) method = "INVITE";
  std::string_view branch = via->branch();
  std::string key;
  if (branch.size() > kMagicCookie.size() &&
      branch.substr(0, kMagicCookie.size()) == kMagicCookie) {
    key.reserve(branch.size() + via->sent_by_text.size() + method.size() + 2);
    key.append(branch).append("|").append(via->sent_by_text).append("|").append(method);
  } else {
    // RFC 2543 peers: match on the dialog-identifying fields instead (§17.2.3).
    auto from = request.from();
    key.append("2543|").append(request.call_id()).append("|");
    key.append(std::to_string(cseq->number)).append("|");
    if (from) key.append(from->tag());
    key.append("|").append(via->sent_by_text).append("|").append(method);
  }
  return key;
}

static std::string client_key(std::string_view branch, std::string_view method) {
  std::string key;
  key.reserve(branch.size() + method.size() + 1);
  key.append(branch).append("|").append(method);
  return key;
}

Message make_cancel(const Message& invite, std::string_view reason_header) {
  Message cancel = Message::request("CANCEL", invite.request_uri());
  auto vias = invite.header_values(HeaderId::Via);
  if (!vias.empty()) cancel.add_header(HeaderId::Via, std::string(vias.front()));
  for (auto route : invite.header_values(HeaderId::Route)) {
    cancel.add_header(HeaderId::Route, std::string(route));
  }
  cancel.add_header(HeaderId::MaxForwards, "70");
  if (auto v = invite.header(HeaderId::From)) cancel.add_header(HeaderId::From, std::string(*v));
  if (auto v = invite.header(HeaderId::To)) cancel.add_header(HeaderId::To, std::string(*v));
  cancel.add_header(HeaderId::CallId, std::string(invite.call_id()));
  auto cseq = invite.cseq();
  cancel.add_header(HeaderId::CSeq, std::to_string(cseq ? cseq->number : 1) + " CANCEL");
  if (!reason_header.empty()) cancel.add_header(HeaderId::Reason, std::string(reason_header));
  return cancel;
}

TransactionLayer::TransactionLayer(core::Timers& timers, TransportLayer& transport,
                                   TimerConfig config, TransactionLimits limits)
    : timers_(timers), transport_(transport), config_(config), limits_(limits) {
  // A request whose connection could not be opened fails at once with 503 (§8.1.3.1),
  // rather than after timer B or F.
  transport_.set_failure_handler([this](const Peer& to) {
    std::vector<TxId> lost;
    for (const auto& [id, tx] : clients_) {
      if (tx->to == to && tx->state == ClientState::Calling) lost.push_back(id);
    }
    for (TxId id : lost) {
      timers_.start(core::Duration(0),
                    [this, id] { client_failed(id, 503, "Service Unavailable"); });
    }
  });
}

TransactionLayer::~TransactionLayer() {
  transport_.set_failure_handler(nullptr);
  timers_.cancel(sweep_timer_);
  for (auto& [id, tx] : servers_) {
    timers_.cancel(tx->timer_retransmit);
    timers_.cancel(tx->timer_end);
  }
  for (auto& [id, tx] : clients_) {
    timers_.cancel(tx->timer_retransmit);
    timers_.cancel(tx->timer_timeout);
    timers_.cancel(tx->timer_end);
  }
}

// Branch ids and tags are unguessable (RFC 3261 §8.1.1.7, §19.3): one seen tells nothing
// of the next, so nobody can forge a response to a request they did not see.
std::string TransactionLayer::new_branch() {
  return std::string(kMagicCookie) + core::secure_random().hex(12);
}

std::string TransactionLayer::new_tag() {
  return core::secure_random().hex(8);
}

std::size_t TransactionLayer::server_count() const {
  return servers_.size();
}
std::size_t TransactionLayer::client_count() const {
  return clients_.size();
}
std::size_t TransactionLayer::server_count_from(const std::string& ip) const {
  auto it = servers_per_source_.find(ip);
  return it == servers_per_source_.end() ? 0 : it->second;
}

void TransactionLayer::receive(Message&& message, const Peer& from) {
  if (message.is_request()) {
    on_request(std::move(message), from);
  } else {
    on_response(std::move(message), from);
  }
}

// ---------------------------------------------------------------- server side

void TransactionLayer::on_request(Message&& request, const Peer& from) {
  std::string key = server_key(request);
  if (key.empty()) return;  // parse already guarantees Via and CSeq; defensive
  const bool is_ack = request.method() == "ACK";
  if (auto it = server_keys_.find(key); it != server_keys_.end()) {
    ServerTx& tx = *servers_.at(it->second);
    if (is_ack) {
      if (tx.invite && tx.state == ServerState::Completed) {
        tx.state = ServerState::Confirmed;
        timers_.cancel(tx.timer_retransmit);
        timers_.cancel(tx.timer_end);
        TxId id = tx.id;
        if (tx.reliable) {
          end_server(id);
        } else {
          arm_server(
              tx, config_.t4, [this](ServerTx& t) { end_server(t.id); }, tx.timer_end);  // I
        }
        return;
      }
      if (tx.invite && tx.state == ServerState::Accepted) {
        if (user_) user_->on_stray_ack(std::move(request), from);  // ACK of our 2xx
      }
      return;  // ACK retransmission absorbed
    }
    // A retransmitted request: answer with the last response again.
    if (!tx.last_response.empty() && tx.state != ServerState::Accepted) {
      (void)transport_.send(tx.last_response, tx.response_to);
    }
    return;
  }
  if (is_ack) {
    if (user_) user_->on_stray_ack(std::move(request), from);
    return;
  }
  if (user_) {
    if (auto reply = user_->screen(request, from)) {
      reply_stateless(*reply, from);
      return;
    }
  }
  std::size_t& from_source = servers_per_source_[from.ip];
  if (from_source >= limits_.max_server_per_source) {
    // One address with this many requests unanswered is a flood, not a device: no answer.
    core::logger("transaction")
        ->debug("{} from {} dropped: too many transactions", request.method(), from.host_port());
    return;
  }
  if (unanswered_ >= limits_.max_server) {
    if (from_source == 0) servers_per_source_.erase(from.ip);
    Message busy = make_response(request, 503, "Service Unavailable");
    busy.add_header("Retry-After", "5");
    reply_stateless(busy, from);
    return;
  }
  ++from_source;
  ++unanswered_;
  auto tx = std::make_unique<ServerTx>(std::move(request));
  tx->id = next_id_++;
  tx->key = std::move(key);
  tx->invite = tx->request->method() == "INVITE";
  tx->source = from;
  tx->reliable = transport_.reliable(from.transport);
  tx->state = tx->invite ? ServerState::Proceeding : ServerState::Trying;
  TxId id = tx->id;
  ServerTx& ref = *tx;
  server_keys_.emplace(tx->key, id);
  servers_.emplace(id, std::move(tx));
  if (ref.invite) {
    // Answer at once so the caller stops retransmitting (RFC 3261 §17.2.1).
    respond(id, make_response(*ref.request, 100, "Trying"));
  }
  if (!user_) return;
  // The TU gets its own copy: the transaction keeps the request for CANCEL and ACK matching.
  user_->on_request(id, ref.request->clone(), from);
}

void TransactionLayer::respond(TxId id, int status, std::string_view reason,
                               std::string_view to_tag) {
  auto it = servers_.find(id);
  if (it == servers_.end() || !it->second->request) return;
  respond(id, make_response(*it->second->request, status,
                            reason.empty() ? reason_phrase(status) : reason, to_tag));
}

void TransactionLayer::respond(TxId id, Message response) {
  auto it = servers_.find(id);
  if (it == servers_.end()) return;
  ServerTx& tx = *it->second;
  if (tx.state == ServerState::Completed || tx.state == ServerState::Confirmed) return;
  const int status = response.status();
  if (tx.state == ServerState::Accepted && status < 200) return;
  if (tx.state == ServerState::Accepted && tx.last_status >= 200 && status >= 300) return;
  auto dest = response_destination(response, tx.source);
  if (!dest) {
    core::logger("transaction")->debug("cannot answer: {}", dest.error().message);
    return;
  }
  tx.response_to = *dest;
  tx.last_response = response.serialize();
  tx.last_status = status;
  if (status >= 200) settle(tx);
  send_server_response(tx);
  if (status < 200) {
    if (tx.state == ServerState::Trying) tx.state = ServerState::Proceeding;
    return;
  }
  if (tx.invite && status < 300) {
    // RFC 6026: stay Accepted for 64*T1 to absorb retransmitted INVITEs and pass ACKs up.
    tx.state = ServerState::Accepted;
    if (tx.timer_end == 0) {
      arm_server(
          tx, 64 * config_.t1, [this](ServerTx& t) { end_server(t.id); }, tx.timer_end);  // L
    }
    return;
  }
  tx.state = ServerState::Completed;
  if (tx.invite) {
    if (!tx.reliable) {
      tx.g_interval = config_.t1;
      // Timer G: retransmit with doubling interval, capped at T2.
      arm_server(
          tx, tx.g_interval, [this](ServerTx& t) { retransmit_server(t); }, tx.timer_retransmit);
    }
    arm_server(
        tx, 64 * config_.t1,
        [this](ServerTx& t) {
          TxId tid = t.id;
          end_server(tid);
          if (user_) user_->on_server_timeout(tid);  // H
        },
        tx.timer_end);
  } else if (tx.reliable) {
    end_server(tx.id);
  } else {
    keep_settled(tx);  // timer J
  }
}

// Timer J is the same 64*T1 for every answered non-INVITE: they end in the order they were
// answered, so one queue and one timer for its front do the work of a timer each (at
// thousands of REGISTERs a second, that is most of the transaction layer's cost).
void TransactionLayer::keep_settled(ServerTx& tx) {
  // Only the key and the response are needed now to answer retransmissions: the request
  // (kept for CANCEL and ACK, which concern INVITEs only) goes, and with it most of the
  // memory thousands of these would hold.
  tx.request.reset();
  settled_.push_back({tx.id, timers_.now() + 64 * config_.t1});
  while (settled_.size() > limits_.max_settled) {
    TxId oldest = settled_.front().id;
    settled_.pop_front();
    end_server(oldest);
  }
  if (sweep_timer_ == 0) arm_sweep();
}

void TransactionLayer::arm_sweep() {
  if (settled_.empty()) return;
  // Rounded up: a timer that fired a fraction early would find nothing due and spin.
  const core::Duration wait = std::max(
      core::Duration(0), std::chrono::ceil<core::Duration>(settled_.front().until - timers_.now()));
  sweep_timer_ = timers_.start(wait, [this] {
    sweep_timer_ = 0;
    const core::TimePoint now = timers_.now();
    while (!settled_.empty() && settled_.front().until <= now) {
      TxId id = settled_.front().id;
      settled_.pop_front();
      end_server(id);
    }
    arm_sweep();
  });
}

// Timer G: retransmit the final response with a doubling interval, capped at T2.
void TransactionLayer::retransmit_server(ServerTx& tx) {
  send_server_response(tx);
  tx.g_interval = std::min(2 * tx.g_interval, config_.t2);
  arm_server(
      tx, tx.g_interval, [this](ServerTx& t) { retransmit_server(t); }, tx.timer_retransmit);
}

void TransactionLayer::send_server_response(ServerTx& tx) {
  auto sent = transport_.send(tx.last_response, tx.response_to);
  if (!sent) {
    core::logger("transaction")->debug("response not sent: {}", sent.error().message);
  }
}

void TransactionLayer::arm_server(ServerTx& tx, core::Duration after,
                                  std::function<void(ServerTx&)> fn, core::Timers::Id& slot) {
  TxId id = tx.id;
  timers_.cancel(slot);
  slot = timers_.start(after, [this, id, fn = std::move(fn)] {
    auto it = servers_.find(id);
    if (it != servers_.end()) fn(*it->second);
  });
}

void TransactionLayer::settle(ServerTx& tx) {
  if (!tx.pending) return;
  tx.pending = false;
  --unanswered_;
  if (auto count = servers_per_source_.find(tx.source.ip);
      count != servers_per_source_.end() && --count->second == 0) {
    servers_per_source_.erase(count);
  }
}

void TransactionLayer::end_server(TxId id) {
  auto it = servers_.find(id);
  if (it == servers_.end()) return;
  settle(*it->second);
  timers_.cancel(it->second->timer_retransmit);
  timers_.cancel(it->second->timer_end);
  server_keys_.erase(it->second->key);
  servers_.erase(it);
}

const Message* TransactionLayer::request(TxId id) const {
  auto it = servers_.find(id);
  return it == servers_.end() || !it->second->request ? nullptr : &*it->second->request;
}

const Peer* TransactionLayer::source(TxId id) const {
  auto it = servers_.find(id);
  return it == servers_.end() ? nullptr : &it->second->source;
}

std::optional<TxId> TransactionLayer::find_invite(const Message& cancel) const {
  auto it = server_keys_.find(server_key(cancel, true));
  if (it == server_keys_.end()) return std::nullopt;
  return it->second;
}

// ---------------------------------------------------------------- client side

TxId TransactionLayer::send_request(Message request, const Peer& to, ResponseHandler on_response) {
  auto tx = std::make_unique<ClientTx>(std::move(request));
  tx->id = next_id_++;
  tx->invite = tx->request.method() == "INVITE";
  tx->to = to;
  tx->reliable = transport_.reliable(to.transport);
  tx->handler = std::move(on_response);
  tx->bytes = tx->request.serialize();
  auto via = tx->request.top_via();
  tx->key = client_key(via ? via->branch() : std::string_view{}, tx->request.method());
  TxId id = tx->id;
  ClientTx& ref = *tx;
  client_keys_[tx->key] = id;
  clients_.emplace(id, std::move(tx));

  auto sent = transport_.send(ref.bytes, ref.to);
  if (!sent) {
    // Report asynchronously: the caller has not stored the id yet.
    timers_.start(core::Duration(0), [this, id] { client_failed(id, 503, "Service Unavailable"); });
    return id;
  }
  if (!ref.reliable) {
    ref.interval = config_.t1;
    arm_client(
        ref, ref.interval, [this](ClientTx& t) { retransmit_client(t); }, ref.timer_retransmit);
  }
  arm_client(
      ref, 64 * config_.t1, [this](ClientTx& t) { client_failed(t.id, 408, "Request Timeout"); },
      ref.timer_timeout);  // B, F
  return id;
}

// Timer A doubles without bound until a provisional response; timer E doubles up to
// T2 and stays at T2 once Proceeding.
void TransactionLayer::retransmit_client(ClientTx& tx) {
  if (tx.state != ClientState::Calling && tx.state != ClientState::Proceeding) return;
  if (tx.invite && tx.state == ClientState::Proceeding) return;
  (void)transport_.send(tx.bytes, tx.to);
  tx.interval = tx.invite ? 2 * tx.interval : std::min(2 * tx.interval, config_.t2);
  if (!tx.invite && tx.state == ClientState::Proceeding) tx.interval = config_.t2;
  arm_client(
      tx, tx.interval, [this](ClientTx& t) { retransmit_client(t); }, tx.timer_retransmit);
}

void TransactionLayer::client_failed(TxId id, int status, std::string_view reason) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  ClientTx& tx = *it->second;
  if (tx.state == ClientState::Completed || tx.state == ClientState::Accepted) return;
  Message synthesized = make_response(tx.request, status, reason);
  ResponseHandler handler = std::move(tx.handler);
  end_client(id);
  if (handler) handler(synthesized);
}

void TransactionLayer::on_response(Message&& response, const Peer& from) {
  auto via = response.top_via();
  auto cseq = response.cseq();
  if (!via || !cseq) return;
  auto it = client_keys_.find(client_key(via->branch(), cseq->method));
  if (it == client_keys_.end()) {
    if (user_) user_->on_stray_response(std::move(response), from);
    return;
  }
  TxId id = it->second;
  ClientTx& tx = *clients_.at(id);
  if (from.ip != tx.to.ip || from.transport != tx.to.transport) {
    // Only where the request went may answer it: a forged 200 from elsewhere must not
    // mark an alarm delivered or a call answered.
    core::logger("transaction")
        ->debug("response {} for {} from {} ignored: the request went to {}", response.status(),
                tx.request.method(), from.host_port(), tx.to.host_port());
    return;
  }
  const int status = response.status();
  if (tx.state == ClientState::Completed) {
    if (tx.invite && status >= 300 && !tx.ack_bytes.empty()) {
      (void)transport_.send(tx.ack_bytes, tx.to);  // our ACK was lost
    }
    return;
  }
  if (tx.state == ClientState::Accepted) {
    if (status >= 200 && status < 300 && tx.handler) tx.handler(response);  // 2xx retransmission
    return;
  }
  if (status < 200) {
    tx.state = ClientState::Proceeding;
    if (tx.invite) {
      // Timers A and B run only in Calling: a ringing INVITE waits as long as the
      // callee rings (the proxy's timer C and the UA bound that).
      timers_.cancel(tx.timer_retransmit);
      timers_.cancel(tx.timer_timeout);
    }
    if (tx.handler) {
      ResponseHandler handler = tx.handler;  // the handler may end this transaction
      handler(response);
    }
    return;
  }
  timers_.cancel(tx.timer_retransmit);
  timers_.cancel(tx.timer_timeout);
  if (tx.invite && status < 300) {
    tx.state = ClientState::Accepted;
    arm_client(
        tx, 64 * config_.t1, [this](ClientTx& t) { end_client(t.id); }, tx.timer_end);  // M
  } else {
    tx.state = ClientState::Completed;
    if (tx.invite) {
      tx.ack_bytes = make_ack(tx, response).serialize();
      (void)transport_.send(tx.ack_bytes, tx.to);
    }
    if (tx.reliable) {
      tx.timer_end = timers_.start(core::Duration(0), [this, id] { end_client(id); });
    } else {
      arm_client(
          tx, tx.invite ? core::Duration(32000) : config_.t4,
          [this](ClientTx& t) { end_client(t.id); }, tx.timer_end);  // D, K
    }
  }
  ResponseHandler handler = tx.handler;
  if (handler) handler(response);
}

Message TransactionLayer::make_ack(const ClientTx& tx, const Message& response) const {
  // RFC 3261 §17.1.1.3: the ACK of a non-2xx final response.
  Message ack = Message::request("ACK", tx.request.request_uri());
  auto vias = tx.request.header_values(HeaderId::Via);
  if (!vias.empty()) ack.add_header(HeaderId::Via, std::string(vias.front()));
  for (auto route : tx.request.header_values(HeaderId::Route)) {
    ack.add_header(HeaderId::Route, std::string(route));
  }
  ack.add_header(HeaderId::MaxForwards, "70");
  if (auto v = tx.request.header(HeaderId::From)) ack.add_header(HeaderId::From, std::string(*v));
  if (auto v = response.header(HeaderId::To)) ack.add_header(HeaderId::To, std::string(*v));
  ack.add_header(HeaderId::CallId, std::string(tx.request.call_id()));
  auto cseq = tx.request.cseq();
  ack.add_header(HeaderId::CSeq, std::to_string(cseq ? cseq->number : 1) + " ACK");
  return ack;
}

void TransactionLayer::arm_client(ClientTx& tx, core::Duration after,
                                  std::function<void(ClientTx&)> fn, core::Timers::Id& slot) {
  TxId id = tx.id;
  timers_.cancel(slot);
  slot = timers_.start(after, [this, id, fn = std::move(fn)] {
    auto it = clients_.find(id);
    if (it != clients_.end()) fn(*it->second);
  });
}

void TransactionLayer::end_client(TxId id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  timers_.cancel(it->second->timer_retransmit);
  timers_.cancel(it->second->timer_timeout);
  timers_.cancel(it->second->timer_end);
  auto key = client_keys_.find(it->second->key);
  if (key != client_keys_.end() && key->second == id) client_keys_.erase(key);
  clients_.erase(it);
}

void TransactionLayer::abandon(TxId id) {
  end_client(id);
}

Result<void> TransactionLayer::send_stateless(const Message& message, const Peer& to) {
  return transport_.send(message.serialize(), to);
}

void TransactionLayer::reply_stateless(const Message& response, const Peer& request_source) {
  auto dest = response_destination(response, request_source);
  if (!dest) return;
  (void)transport_.send(response.serialize(), *dest);
}

}  // namespace vto::sip
