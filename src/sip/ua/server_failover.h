// A main SIP server and an alternate for one user agent (a VTO at an estate platform, a
// monitor given both nodes). The user agent's keepalive and registration say when the
// server in use is lost; then the owner is asked to move to the other one. While on the
// alternate, the main server is asked every few seconds whether it is back (an OPTIONS
// probe), and the owner is moved back as soon as it answers.
#pragma once

#include <functional>

#include "core/timers.h"
#include "sip/ua/user_agent.h"

namespace vto::sip {

class ServerFailover {
 public:
  // Moves the user agent to the main server (false) or the alternate (true) and registers
  // there. Called from a timer, never from inside a user agent event.
  using MoveTo = std::function<void(bool alternate)>;

  ServerFailover(core::Timers& timers, UserAgent& ua, MoveTo move_to,
                 core::Duration probe_every = core::Duration(5000),
                 core::Duration probe_timeout = core::Duration(2000));
  ~ServerFailover();
  ServerFailover(const ServerFailover&) = delete;
  ServerFailover& operator=(const ServerFailover&) = delete;

  // The owner moved the user agent (`alternate`: to the alternate, whose main server is
  // `main`); on the alternate, probing the main server starts.
  void moved(bool alternate, const Peer& main);
  // No failover any more (one server, or none).
  void stop();
  // The user agent's events: a registration lost or refused at the main server moves to
  // the alternate.
  void on_ua_event(const UaEvent& e);
  bool on_alternate() const { return on_alternate_; }

 private:
  void probe_main();

  core::Timers& timers_;
  UserAgent& ua_;
  MoveTo move_to_;
  core::Duration probe_every_;
  core::Duration probe_timeout_;
  Peer main_;
  bool active_ = false;
  bool on_alternate_ = false;
  std::uint64_t generation_ = 0;  // bumped at each move: answers from before are stale
  core::Timers::Id probe_timer_ = 0;
  core::Timers::Id move_timer_ = 0;
};

}  // namespace vto::sip
