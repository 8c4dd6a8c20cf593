// A SIP user agent (RFC 3261 §8, §12-15): registers to a server with digest
// authentication, places and takes calls, sends in-dialog INFO and BYE. Used by the
// software indoor monitor `vth` and by vtod's own calls. Media is not its business:
// it carries SDP bodies that the caller supplies.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sip/auth/digest_client.h"
#include "sip/auth/digest_server.h"
#include "sip/security/sip_guard.h"
#include "sip/transaction/transaction_layer.h"

namespace vto::sip {

struct UaConfig {
  std::string user;      // "101#0" (unescaped)
  std::string password;  // register/digest password
  std::string domain;    // the domain of our AOR; default: the server's address
  Peer server;           // registrar and outbound proxy
  std::uint32_t register_expires = 600;
  std::string user_agent = "OpenVTO";
  std::string display_name;
  // A door registered to another server (platform or another VTO) takes new calls and
  // messages only from that server: over its own TCP connection to it, or with digest
  // credentials of this account in answer to a 401 of its own (a proxy such as
  // Kamailio answers it with uac_auth). A source address alone never authorizes.
  bool authenticate_callers = false;
  // The server is this device itself, reached on loopback (a VTO that serves its building):
  // what is sent to it never crosses a network.
  bool local_server = false;
  // While registered, an OPTIONS to the server every `keepalive` (zero: none). No final
  // answer within `keepalive_timeout`, or a transport error, means the server is lost:
  // RegistrationFailed (408 or 503), and registering is tried again later.
  core::Duration keepalive{0};
  core::Duration keepalive_timeout{2000};
};

using CallHandle = std::uint64_t;

struct UaEvent {
  enum class Type {
    Registered,
    RegistrationFailed,
    Unregistered,
    IncomingCall,
    Ringing,
    Answered,
    Cancelled,
    Rejected,  // our outgoing call got a final error
    Bye,
    Info,
    Message,
    Reoffer,  // a re-INVITE in an established call was answered; `body` is its offer
    Error,
  };
  Type type;
  CallHandle call = 0;
  int status = 0;
  std::string peer;    // the remote party's URI
  std::string reason;  // reason phrase or Reason header
  std::string body;    // SDP, INFO or MESSAGE body
  std::string content_type;
  // Answered (outgoing call): the Contact URI of the 200 OK, i.e. the device that picked
  // up ("sip:101#1@..."), where `peer` is still the number called.
  std::string remote_contact = {};
};

std::string_view event_name(UaEvent::Type t);

class UserAgent final : public TransactionUser {
 public:
  using EventHandler = std::function<void(const UaEvent&)>;
  // Supplies the SDP offer (outgoing) or answer (incoming, given the offer) of a call.
  // `keys_allowed`: the SIP hop this SDP travels is encrypted (TLS) or never leaves this
  // device (its own server on loopback), so it may carry SRTP keys.
  using SdpProvider = std::function<std::string(CallHandle call, const std::string& remote_offer,
                                                bool keys_allowed)>;

  UserAgent(TransactionLayer& transactions, UaConfig config);
  ~UserAgent() override;

  void set_event_handler(EventHandler handler) { on_event_ = std::move(handler); }
  void set_sdp_provider(SdpProvider provider) { sdp_ = std::move(provider); }
  const UaConfig& config() const { return config_; }
  // The user name of calls started from now on (a new VTO No.); calls in progress keep
  // theirs. Registration is the caller's to renew.
  void set_user(std::string user) { config_.user = std::move(user); }
  // Another server, account and domain for what follows (the SIP Server setting changed).
  // The caller unregisters from the old server first, and registers again if it needs to.
  void reconfigure(UaConfig config);

  void start_registration();
  void unregister();
  bool registered() const { return registered_; }

  // Calls `target` ("102", "101#1", or a full sip: URI). Returns the call's id.
  CallHandle call(const std::string& target);
  Result<void> answer(CallHandle call);
  Result<void> reject(CallHandle call, int status = 486);
  Result<void> hangup(CallHandle call);  // CANCEL while ringing, BYE once established
  Result<void> send_info(CallHandle call, const std::string& content_type, const std::string& body);
  // An out-of-dialog MESSAGE (RFC 3428) to `target` through the server, answering a digest
  // challenge once. `done` gets the final status (408 when nobody answered in time).
  void send_message(const std::string& target, const std::string& content_type,
                    const std::string& body, std::function<void(int status)> done);
  // An out-of-dialog OPTIONS (RFC 3261 §11) to `target` (empty: the server itself) through
  // the server, asking for `accept` content, answering a digest challenge once. `done` gets
  // the final status and the answer's body (408 and nothing when nobody answered in time).
  void send_options(
      const std::string& target, const std::string& accept,
      std::function<void(int status, std::string content_type, std::string body)> done);
  std::vector<CallHandle> calls() const;

  // An OPTIONS to the SIP server at `to` itself (no account, no challenge answered): `done`
  // gets true when it gave any final answer within `timeout`, false on a timeout or a
  // transport error. How a server that was lost is seen to be back.
  // `done` is never called from inside probe(). Returns the probe's number.
  std::uint64_t probe(const Peer& to, core::Duration timeout,
                      std::function<void(bool answered)> done);
  // The transport says a stream connection this side had to `to` closed. When that was the
  // connection to the server, the registration (and the calls that come over it) went with
  // it: register again at once, which also finds out whether the server is still there.
  void connection_closed(const Peer& to);

  // Wrong answers to this side's challenges are counted there (nullptr: not counted).
  void set_guard(SipGuard* guard) { guard_ = guard; }

  // TransactionUser
  void on_request(TxId tx, Message&& request, const Peer& from) override;
  std::optional<Message> screen(const Message& request, const Peer& from) override;
  void on_stray_ack(Message&& ack, const Peer& from) override;
  void on_stray_response(Message&& response, const Peer& from) override;

 private:
  struct Call;
  void emit(UaEvent event);
  std::string aor_uri() const;
  std::string contact_uri() const;
  std::string target_uri(const std::string& target) const;
  void send_register(std::uint32_t expires, const Message* challenge);
  void on_register_response(const Message& response, std::uint32_t expires);
  void arm_keepalive(core::Duration after);
  void stop_keepalive();
  void finish_probe(std::uint64_t id, bool answered, bool timed_out);
  // A request to the server got no answer: send the keepalive now rather than later.
  void check_server();
  // The server stopped answering (keepalive) or cannot be reached: not registered any more.
  void server_lost(int status, std::string reason);
  void send_invite(Call& call, const Message* challenge);
  struct OutgoingMessage;
  void send_message_request(std::shared_ptr<OutgoingMessage> m, const Message* challenge);
  void on_invite_response(CallHandle id, const Message& response);
  Message in_dialog_request(Call& call, std::string_view method);
  void end_extra_dialog(const Call& call, const Message& response);
  Peer dialog_next_hop(const Call& call) const;
  void retransmit_ok(CallHandle id);
  void end_call(CallHandle id);
  void send_deferred_bye(CallHandle id);
  Call* find(CallHandle id);
  Call* find_by_dialog(const Message& m);
  // `from`: where the request came from (a re-INVITE's answer carries keys only over TLS).
  void handle_in_dialog(TxId tx, Message&& request, Call& call, const Peer& from);
  std::string via() const;  // a Via for a request to the server, with a fresh branch
  std::string via_for(Transport t) const;
  // authenticate_callers: true when `from` is this side's own connection to the server.
  bool from_own_connection(const Peer& from) const;
  // authenticate_callers: the answer refusing an out-of-dialog request (401 or 403), or
  // nullopt when it may go on.
  std::optional<Message> check_caller(const Message& request, const Peer& from);
  Message caller_challenge(const Message& request, bool stale) const;

  TransactionLayer& tl_;
  UaConfig config_;
  auth::DigestClient digest_;
  std::unique_ptr<auth::DigestServer> caller_digest_;  // authenticate_callers
  SipGuard* guard_ = nullptr;
  EventHandler on_event_;
  SdpProvider sdp_;
  bool registered_ = false;
  std::string reg_call_id_;
  std::uint32_t reg_cseq_ = 0;
  int reg_auth_attempts_ = 0;
  core::Timers::Id reg_timer_ = 0;
  // Bumped by reconfigure(): answers to REGISTERs sent before it are ignored.
  std::uint64_t reg_generation_ = 0;
  core::Timers::Id keepalive_timer_ = 0;
  // Probes waiting for an answer: their transaction and deadline, by probe number.
  struct Probe {
    TxId tx = 0;
    core::Timers::Id deadline = 0;
    std::function<void(bool)> done;
  };
  std::map<std::uint64_t, Probe> probes_;
  std::uint64_t next_probe_ = 1;
  std::uint64_t keepalive_probe_ = 0;  // the keepalive's probe in flight (0: none)
  // The last registration made because the connection to the server closed.
  std::optional<core::TimePoint> closed_register_at_;
  CallHandle next_call_ = 1;
  std::map<CallHandle, std::unique_ptr<Call>> calls_;
};

}  // namespace vto::sip
