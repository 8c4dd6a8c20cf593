#include "station/alarm_centre.h"

#include <algorithm>

#include "access/card_csv.h"
#include "core/log.h"

namespace vto::station {

AlarmCentre::AlarmCentre(records::AlarmRecords& records, core::Timers& timers, Callbacks callbacks)
    : records_(records),
      timers_(timers),
      callbacks_(std::move(callbacks)),
      log_(core::logger("alarm")) {}

AlarmCentre::~AlarmCentre() {
  *alive_ = false;
  set_tamper_switch(nullptr);
  if (retry_timer_) timers_.cancel(*retry_timer_);
}

nlohmann::json AlarmCentre::message(const records::AlarmRecord& r, const std::string& device) {
  return {
      {"alarm", r.id},           {"type", r.type},        {"time", access::utc_time(r.started_ms)},
      {"time_ms", r.started_ms}, {"device", device},      {"source", r.source},
      {"details", r.details},    {"ended_ms", r.ended_ms}};
}

void AlarmCentre::start() {
  auto left = records_.undelivered(1000);
  if (!left) {
    log_->error("undelivered alarms: {}", left.error().message);
    return;
  }
  if (!left->empty()) {
    log_->warn("{} alarm(s) not yet delivered to the centre: sending them again", left->size());
  }
  for (const auto& r : *left) queue_.push_back(r.id);
  deliver_next();
}

access::AlarmSink::AlarmId AlarmCentre::raise(access::AlarmType type, const std::string& source,
                                              const std::string& details) {
  const std::string name(access::alarm_type_name(type));
  auto id = records_.add(name, source, details, callbacks_.now_ms());
  if (!id) {
    // Not recorded, so not re-sent after a restart: still tell the centre now.
    log_->error("alarm {} not recorded: {}", name, id.error().message);
    return 0;
  }
  log_->warn("alarm {}: {} ({})", *id, name, details);
  if (auto r = records_.get(*id); r && *r) publish("raised", **r);
  queue_.push_back(*id);
  deliver_next();
  return static_cast<AlarmId>(*id);
}

void AlarmCentre::end(AlarmId id) {
  if (id == 0) return;
  if (auto ok = records_.end(static_cast<std::int64_t>(id), callbacks_.now_ms()); !ok) {
    log_->error("alarm {}: end not recorded: {}", id, ok.error().message);
    return;
  }
  log_->info("alarm {} ended", id);
  if (auto r = records_.get(static_cast<std::int64_t>(id)); r && *r) publish("ended", **r);
}

void AlarmCentre::deliver_next() {
  if (sending_ || retry_timer_ || queue_.empty()) return;
  const std::int64_t id = queue_.front();
  auto r = records_.get(id);
  if (!r || !*r || (*r)->delivered_ms != 0) {  // gone (capped) or delivered meanwhile
    queue_.pop_front();
    deliver_next();
    return;
  }
  sending_ = true;
  const std::string body = message(**r, callbacks_.device ? callbacks_.device() : "").dump();
  callbacks_.send(body, [this, id, alive = std::weak_ptr<bool>(alive_)](int status) {
    if (alive.expired()) return;
    sending_ = false;
    if (status >= 200 && status < 300) {
      retry_ = kFirstRetry;
      if (auto ok = records_.delivered(id, callbacks_.now_ms()); !ok) {
        log_->error("alarm {}: delivery not recorded: {}", id, ok.error().message);
      }
      log_->info("alarm {} delivered to the centre", id);
      if (auto rec = records_.get(id); rec && *rec) publish("delivered", **rec);
      if (!queue_.empty() && queue_.front() == id) queue_.pop_front();
      deliver_next();
      return;
    }
    log_->warn("alarm {}: the centre did not take it ({}); again in {} s", id, status,
               std::chrono::duration_cast<std::chrono::seconds>(retry_).count());
    retry_timer_ = timers_.start(retry_, [this] {
      retry_timer_.reset();
      deliver_next();
    });
    retry_ = std::min<core::Duration>(retry_ * 2, kLastRetry);
  });
}

void AlarmCentre::publish(const std::string& state, const records::AlarmRecord& r) {
  if (!callbacks_.publish) return;
  nlohmann::json event = message(r, callbacks_.device ? callbacks_.device() : "");
  event["event"] = "alarm";
  event["state"] = state;
  event["delivered_ms"] = r.delivered_ms;
  callbacks_.publish(event);
}

void AlarmCentre::set_tamper_switch(hal::TamperSwitch* tamper) {
  if (tamper_ != nullptr) tamper_->remove_listener(tamper_listener_);
  tamper_ = tamper;
  if (tamper_ == nullptr) return;
  tamper_listener_ = tamper_->add_listener([this](hal::TamperState s) { on_tamper(s); });
  if (tamper_->state() == hal::TamperState::Detached && !tamper_alarm_) {
    on_tamper(hal::TamperState::Detached);
  }
}

void AlarmCentre::on_tamper(hal::TamperState state) {
  if (state == hal::TamperState::Detached) {
    if (callbacks_.sound_alarm) callbacks_.sound_alarm();
    tamper_alarm_ = raise(access::AlarmType::Tamper, "tamper switch",
                          "the door station was taken off the wall");
    return;
  }
  if (tamper_alarm_) end(*tamper_alarm_);
  tamper_alarm_.reset();
}

}  // namespace vto::station
