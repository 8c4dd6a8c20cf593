// A stateful forking proxy (RFC 3261 §16): sends one request to many targets in
// parallel, forwards provisional and 2xx responses at once, cancels the losers with a
// Reason header (RFC 3326) and picks the best final response when nobody answered.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sip/proxy/route_token.h"
#include "sip/transaction/transaction_layer.h"

namespace vto::sip {

struct ForkTarget {
  std::string request_uri;  // the registered contact
  Peer next_hop;            // where to send it (the binding's source address)
  std::string aor;          // for logs and observers, e.g. "101#1"
  std::optional<std::string> body = std::nullopt;  // this branch's body instead of the request's
};

struct ProxyConfig {
  core::Duration ring_timeout{180000};  // timer C: cancel branches that ring this long
};

class Proxy {
 public:
  // Called once a fork has a final outcome: the winning AOR (empty if none) and status.
  using Observer = std::function<void(const Message& request, std::string_view winner, int status)>;

  Proxy(TransactionLayer& transactions, ProxyConfig options = {});
  ~Proxy();

  // Forwards the request of server transaction `tx` to every target in parallel.
  // Sees (and may change) every response before it is relayed upstream: `branch` is where
  // it came from, `upstream` where it goes (nullptr: not known, a late 2xx).
  using ResponseFilter =
      std::function<void(Message& response, const Peer& branch, const Peer* upstream)>;
  void set_response_filter(ResponseFilter filter) { response_filter_ = std::move(filter); }
  // `record_route` adds this proxy to the route set of the dialog.
  void fork(TxId tx, Message request, const std::vector<ForkTarget>& targets, bool record_route);
  // A CANCEL for INVITE server transaction `invite_tx`: cancels every pending branch.
  // Returns false when no fork of that transaction is running.
  bool cancel(TxId invite_tx, const Message& cancel);
  // Forwards a response that matched no transaction (a 2xx retransmission) upstream,
  // when its top Via is ours.
  void forward_stray_response(Message response);
  // Forwards a request without a transaction (the ACK of a 2xx).
  void forward_stateless(Message request, const Peer& next_hop);

  void set_observer(Observer observer) { observer_ = std::move(observer); }
  std::size_t active() const { return forks_.size(); }

  // Record-Route values to add for a request arriving on `in` and leaving on `out`
  // (two entries when the transports differ, RFC 5658), carrying the dialog's `token`.
  // `secure`: the request's URI is sips: (RFC 5630 §3.1.3), so TLS entries are sips: too.
  std::vector<std::string> record_route(Transport in, Transport out, bool secure,
                                        std::string_view token = {}) const;
  // The signer of the tokens in this proxy's Record-Route entries.
  const RouteToken& route_token() const { return route_token_; }
  // True when `uri` names this proxy (used to pop our own Route entries).
  bool is_own_uri(const Uri& uri) const;
  std::string via_for(Transport t, const std::string& branch) const;

 private:
  struct Branch;
  struct Fork;

  void on_branch_response(std::uint64_t fork_id, std::size_t index, const Message& response);
  void cancel_pending(Fork& fork, const std::string& reason);
  // `response` as relayed upstream: its top Via off, through the response filter.
  Message upstream(const Fork& fork, const Branch& branch, const Message& response);
  void send_cancel(Fork& fork, Branch& branch);
  void maybe_finish(std::uint64_t fork_id);
  Message best_response(Fork& fork) const;

  TransactionLayer& tl_;
  ProxyConfig options_;
  RouteToken route_token_;
  Observer observer_;
  std::uint64_t next_fork_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<Fork>> forks_;
  std::unordered_map<TxId, std::uint64_t> fork_of_server_;
  ResponseFilter response_filter_;
};

}  // namespace vto::sip
