// Who serves the building's SIP side, applied to the running station: this VTO serves (the
// transactions go to its SipServer, its own user agent calls through it), or the user agent
// registers to another VTO or a platform over TCP. At a platform the user agent sends a
// keepalive every 2 s; a main server that is lost (its registration fails, its connection
// closes and it cannot be reached again, or a keepalive goes 2 s unanswered) gives way to
// the alternate at once. While on the alternate, the main server is asked every 5 s
// whether it is back, and registered to again as soon as it answers (sip::ServerFailover).
// The platform and its alternate are never blocked by the SIP guard.
#pragma once

#include <functional>
#include <string>

#include "api/network_api.h"
#include "core/timers.h"
#include "sip/proxy/sip_server.h"
#include "sip/security/sip_guard.h"
#include "sip/transaction/transaction_layer.h"
#include "sip/ua/server_failover.h"
#include "sip/ua/user_agent.h"

namespace vto::app {

class SipServerSwitch {
 public:
  static constexpr core::Duration kKeepalive{2000};
  static constexpr core::Duration kKeepaliveTimeout{2000};

  struct Parts {
    core::Timers& timers;
    sip::TransactionLayer& transactions;
    sip::SipServer& server;
    sip::UserAgent& ua;
    sip::SipGuard& guard;
  };
  // This VTO's number and its own server's address, asked each time (both may change).
  using OwnNumber = std::function<std::string()>;
  using OwnServer = std::function<sip::Peer()>;

  SipServerSwitch(Parts parts, api::SipServerSettings setting, OwnNumber number, OwnServer own);
  ~SipServerSwitch();
  SipServerSwitch(const SipServerSwitch&) = delete;
  SipServerSwitch& operator=(const SipServerSwitch&) = delete;

  // Applies the setting: serves, or registers (to the alternate when `alternate`).
  void use(bool alternate = false);
  // A new setting (Network Setting > SIP Server): unregisters from the old server first.
  void change(const api::SipServerSettings& setting);
  // The user agent's events: a lost or failed registration at the platform's main server
  // moves to the alternate (once the event has been handled).
  void on_ua_event(const sip::UaEvent& e);

  // The user agent's account for the setting (main or alternate server).
  sip::UaConfig ua_config(bool alternate) const;
  bool serving() const { return setting_.mode == api::SipServerMode::This; }
  bool on_alternate() const { return failover_.on_alternate(); }
  // The setting in force; the Network Setting routes keep it.
  api::SipServerSettings& setting() { return setting_; }

 private:
  Parts parts_;
  api::SipServerSettings setting_;
  OwnNumber number_;
  OwnServer own_;
  sip::ServerFailover failover_;
};

}  // namespace vto::app
