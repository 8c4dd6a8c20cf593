// The building's SIP server: the transaction user that routes every request. REGISTER
// goes to the registrar; a call to a room forks to all of that room's monitors; a call
// to a device, another VTO or the centre goes to its registrations; in-dialog requests
// follow their Route set; requests for this VTO itself go to its own user agent.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "sip/proxy/proxy.h"
#include "sip/registrar/location_store.h"
#include "sip/registrar/registrar.h"
#include "sip/transaction/transaction_layer.h"

namespace vto::sip {

// What a number means in this building (implemented over the store by the app).
class NumberPlan {
 public:
  enum class Kind { Room, Device, Vto, Centre, Unknown };
  virtual ~NumberPlan() = default;
  // "101" -> Room, "101#1" -> Device, "8001" -> Vto, "888888" -> Centre.
  virtual Kind classify(std::string_view user) const = 0;
};

struct SipServerConfig {
  std::string domain = "VDP";  // also accepted as "this server" in request URIs
  std::string own_number;      // this VTO's number: calls to it reach the local user agent
};

class SipServer final : public TransactionUser {
 public:
  SipServer(TransactionLayer& transactions, Registrar& registrar, LocationStore& locations,
            Proxy& proxy, const NumberPlan& plan, SipServerConfig options);

  // Requests and ACKs for this VTO's own user agent (its own number, its own dialogs).
  void set_local_user(TransactionUser* ua) { local_ = ua; }
  void set_own_number(std::string number) { options_.own_number = std::move(number); }
  // The building's door stations for a monitor's "Monitor > Door" list: an OPTIONS to this
  // server (no user) that accepts kDoorsContentType, from a registered device or with its
  // credentials, is answered with this body.
  void set_doors(std::function<std::string()> doors) { doors_ = std::move(doors); }
  static constexpr std::string_view kDoorsContentType = "application/vnd.openvto.doors+json";
  // SRTP keys (an SDP body with a=crypto) travel only over TLS. A request carrying them
  // that came over UDP or TCP is refused (488), and one is forked only to TLS targets; a
  // response carrying them is relayed with its keys taken out when it came from, or goes
  // to, a hop that is not TLS (whoever listens there could read them, and a key that
  // travelled in clear protects nothing); so is an ACK. This device's own offers are the
  // exception, as they need not be all-or-nothing: with `plain_copies` a target reached
  // over UDP or TCP gets the offer without its keys (SRTP preferred); without, such
  // targets are left out (SRTP required).
  void set_plain_copies(bool on) { plain_copies_ = on; }
  // A body that is, or may be, SDP with a=crypto (any case); an encoded or multipart body
  // is counted as one, since it cannot be read here.
  static bool carries_srtp_keys(const Message& message);
  // `sdp` without its a=crypto lines, its RTP/SAVP(F) m-lines back to RTP/AVP(F).
  static std::string without_srtp_keys(std::string_view sdp);

  void on_request(TxId tx, Message&& request, const Peer& from) override;
  void on_stray_ack(Message&& ack, const Peer& from) override;
  void on_stray_response(Message&& response, const Peer& from) override;
  void on_server_timeout(TxId tx) override;
  // Unauthenticated out-of-dialog requests are challenged here, without a transaction.
  std::optional<Message> screen(const Message& request, const Peer& from) override;

  // True when `uri` addresses this server (its address, or the SIP domain).
  bool is_local(const Uri& uri) const;
  // True when a request comes from this server's own socket (its own user agent).
  bool is_own_source(const Peer& from) const;
  // The bindings a request for `user` (a room, device, VTO or the centre) goes to.
  std::vector<ForkTarget> targets_for(std::string_view user) const;

 private:
  struct OwnRoutes {
    bool popped = false;  // the top Route entries were this server's
    std::string token;    // the dialog token they carried (RouteToken)
  };
  // Removes our own entries from the top of the Route set.
  OwnRoutes pop_own_routes(Message& request) const;
  // True when `own` carries this server's token for the dialog of `request` between
  // `from` and `hop`.
  bool is_own_dialog(const Message& request, const OwnRoutes& own, const Peer& from,
                     const Peer& hop) const;
  // Whether a request must come from a registered device or bring credentials.
  bool needs_caller_check(const Message& request, std::string_view user, bool doors_query,
                          const Peer& from) const;
  bool is_doors_query(const Message& request, std::string_view user) const;
  // Applies the TLS rules to the targets of `request` from `from` (sips: and SRTP keys go
  // over TLS only); false (answered 480 or 488 on `tx`) when none may receive it.
  bool keep_keys_on_tls(TxId tx, const Message& request, const Uri& ruri, const Peer& from,
                        std::vector<ForkTarget>& targets);
  // Takes the SRTP keys out of `message`'s body (the whole body when it cannot be read).
  static void strip_keys(Message& message);
  // Sends `response` on `tx` after `delay` (a user whose wrong answers are slowed).
  void respond_later(TxId tx, Message response, core::Duration delay);
  // Where a request whose next hop is `uri` goes: a registered contact's source
  // address when `uri` is one (NAT, TCP reuse), else the URI's own address.
  Result<Peer> next_hop_for(const Uri& uri) const;
  void route(TxId tx, Message&& request, const Peer& from);

  TransactionLayer& tl_;
  Registrar& registrar_;
  LocationStore& locations_;
  Proxy& proxy_;
  const NumberPlan& plan_;
  SipServerConfig options_;
  TransactionUser* local_ = nullptr;
  std::function<std::string()> doors_;
  bool plain_copies_ = false;
};

}  // namespace vto::sip
