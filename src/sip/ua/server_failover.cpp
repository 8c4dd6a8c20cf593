#include "sip/ua/server_failover.h"

#include "core/log.h"

namespace vto::sip {

ServerFailover::ServerFailover(core::Timers& timers, UserAgent& ua, MoveTo move_to,
                               core::Duration probe_every, core::Duration probe_timeout)
    : timers_(timers),
      ua_(ua),
      move_to_(std::move(move_to)),
      probe_every_(probe_every),
      probe_timeout_(probe_timeout) {}

ServerFailover::~ServerFailover() {
  stop();
}

void ServerFailover::stop() {
  timers_.cancel(probe_timer_);
  timers_.cancel(move_timer_);
  probe_timer_ = move_timer_ = 0;
  active_ = on_alternate_ = false;
  ++generation_;
}

void ServerFailover::moved(bool alternate, const Peer& main) {
  stop();
  active_ = true;
  on_alternate_ = alternate;
  main_ = main;
  if (alternate) probe_timer_ = timers_.start(probe_every_, [this] { probe_main(); });
}

void ServerFailover::probe_main() {
  probe_timer_ = 0;
  ua_.probe(main_, probe_timeout_, [this, generation = generation_](bool answered) {
    if (generation != generation_ || !on_alternate_) return;
    if (!answered) {
      probe_timer_ = timers_.start(probe_every_, [this] { probe_main(); });
      return;
    }
    core::logger("ua")->info("SIP server {} is back: registering there again", main_.host_port());
    // Not from inside the user agent's own callback.
    move_timer_ = timers_.start(core::Duration(0), [this] { move_to_(false); });
  });
}

void ServerFailover::on_ua_event(const UaEvent& e) {
  if (!active_ || on_alternate_ || e.type != UaEvent::Type::RegistrationFailed) return;
  core::logger("ua")->warn("SIP server {} failed ({} {}): moving to the alternate", e.peer,
                           e.status, e.reason);
  timers_.cancel(move_timer_);
  move_timer_ = timers_.start(core::Duration(0), [this] { move_to_(true); });
}

}  // namespace vto::sip
