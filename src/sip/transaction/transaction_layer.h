// The SIP transaction layer (RFC 3261 §17, with the Accepted state of RFC 6026):
// the four state machines, retransmissions and timers A-M on the injected clock.
// It sits between the transport and the transaction user (registrar, proxy, UA).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/timers.h"
#include "sip/message/message.h"
#include "sip/transport/transport.h"

namespace vto::sip {

struct TimerConfig {
  core::Duration t1{500};
  core::Duration t2{4000};
  core::Duration t4{5000};
};

using TxId = std::uint64_t;

// Caps on the state strangers can make this side keep (docs/security.md).
struct TransactionLimits {
  // Unanswered server transactions (ringing, held answers); past it, a stateless 503.
  std::size_t max_server = 8192;
  // Unanswered ones from one address; past it, dropped.
  std::size_t max_server_per_source = 256;
  // Answered non-INVITE transactions kept over UDP for 64*T1 only to absorb retransmitted
  // requests (2,000 REGISTERs a second leave 128,000). Past it, the oldest is let go early:
  // a late retransmission is then answered again, which a REGISTER or MESSAGE allows.
  std::size_t max_settled = 16384;
};

// The transaction user: what gets the requests and responses that are not retransmissions.
class TransactionUser {
 public:
  virtual ~TransactionUser() = default;
  // A new request. An INVITE has already been answered with 100 Trying.
  virtual void on_request(TxId tx, Message&& request, const Peer& from) = 0;
  // An ACK that matches no INVITE server transaction (the ACK of a 2xx).
  virtual void on_stray_ack(Message&& ack, const Peer& from) = 0;
  // A response that matches no client transaction.
  virtual void on_stray_response(Message&& response, const Peer& from) = 0;
  // An INVITE server transaction that sent a final non-2xx response got no ACK (timer H).
  virtual void on_server_timeout(TxId /*tx*/) {}
  // A new request (not an ACK, not a retransmission) before any state is kept for it:
  // a response here is sent at once and statelessly, as Kamailio's sl_send_reply does,
  // and no transaction is made (no 100 Trying, no retransmissions to a source that may
  // be forged). nullopt: go on with a transaction.
  virtual std::optional<Message> screen(const Message& /*request*/, const Peer& /*from*/) {
    return std::nullopt;
  }
};

class TransactionLayer {
 public:
  // Called for every response of a client transaction, provisional ones included; a
  // timeout is reported as a synthesized 408 and a transport error as a 503.
  using ResponseHandler = std::function<void(const Message& response)>;

  TransactionLayer(core::Timers& timers, TransportLayer& transport, TimerConfig config = {},
                   TransactionLimits limits = {});
  ~TransactionLayer();
  TransactionLayer(const TransactionLayer&) = delete;
  TransactionLayer& operator=(const TransactionLayer&) = delete;

  void set_user(TransactionUser* user) { user_ = user; }

  // Entry point for the transport's handler.
  void receive(Message&& message, const Peer& from);

  // ---- server side ----
  // Sends `response` on server transaction `tx`; a no-op once the transaction is gone.
  void respond(TxId tx, Message response);
  // Convenience: builds the response from the transaction's request.
  void respond(TxId tx, int status, std::string_view reason = {}, std::string_view to_tag = {});
  // The request of a live server transaction (nullptr when gone).
  const Message* request(TxId tx) const;
  const Peer* source(TxId tx) const;
  // The INVITE server transaction a CANCEL refers to (RFC 3261 §9.2).
  std::optional<TxId> find_invite(const Message& cancel) const;

  // ---- client side ----
  // Sends `request`, whose top Via must already carry a fresh branch (new_branch()).
  TxId send_request(Message request, const Peer& to, ResponseHandler on_response);
  // Stops retransmitting and forgets a client transaction without reporting anything.
  void abandon(TxId tx);

  // Sends a message outside any transaction (ACK of a 2xx, stateless forwarding).
  Result<void> send_stateless(const Message& message, const Peer& to);
  // Answers a request outside any transaction, where its Via says (RFC 3261 §18.2.2).
  void reply_stateless(const Message& response, const Peer& request_source);

  std::string new_branch();
  std::string new_tag();
  std::size_t server_count() const;
  std::size_t client_count() const;
  // Unanswered server transactions from `ip`.
  std::size_t server_count_from(const std::string& ip) const;
  const TimerConfig& timer_config() const { return config_; }
  core::Timers& timers() { return timers_; }
  TransportLayer& transport() { return transport_; }

 private:
  struct ServerTx;
  struct ClientTx;

  void on_request(Message&& request, const Peer& from);
  void on_response(Message&& response, const Peer& from);
  void send_server_response(ServerTx& tx);
  void retransmit_server(ServerTx& tx);
  void retransmit_client(ClientTx& tx);
  void end_server(TxId id);
  void settle(ServerTx& tx);        // a final response went: no longer counted for its source
  void keep_settled(ServerTx& tx);  // an answered non-INVITE kept for retransmissions, capped
  void arm_sweep();                 // timer J of the oldest of those
  void end_client(TxId id);
  void client_failed(TxId id, int status, std::string_view reason);
  void arm_server(ServerTx& tx, core::Duration after, std::function<void(ServerTx&)> fn,
                  core::Timers::Id& slot);
  void arm_client(ClientTx& tx, core::Duration after, std::function<void(ClientTx&)> fn,
                  core::Timers::Id& slot);
  Message make_ack(const ClientTx& tx, const Message& response) const;

  core::Timers& timers_;
  TransportLayer& transport_;
  TimerConfig config_;
  TransactionLimits limits_;
  TransactionUser* user_ = nullptr;
  TxId next_id_ = 1;
  std::unordered_map<TxId, std::unique_ptr<ServerTx>> servers_;
  std::unordered_map<std::string, TxId> server_keys_;
  std::unordered_map<std::string, std::size_t> servers_per_source_;  // by IP
  std::size_t unanswered_ = 0;
  struct Settled {
    TxId id;
    core::TimePoint until;  // timer J
  };
  std::deque<Settled> settled_;  // answered non-INVITE UDP transactions, oldest first
  core::Timers::Id sweep_timer_ = 0;
  std::unordered_map<TxId, std::unique_ptr<ClientTx>> clients_;
  std::unordered_map<std::string, TxId> client_keys_;
};

// The key that identifies the server transaction of a request (RFC 3261 §17.2.3):
// branch + sent-by + method, ACK and CANCEL folded as the RFC says. Empty for a
// request without a usable Via.
std::string server_key(const Message& request, bool for_cancel_target = false);

// CANCEL for an INVITE sent by this side (RFC 3261 §9.1): same Via, Route, Call-ID,
// From, To, CSeq number.
Message make_cancel(const Message& invite, std::string_view reason_header = {});

}  // namespace vto::sip
