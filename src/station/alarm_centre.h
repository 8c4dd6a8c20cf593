// AlarmCentre: where alarms go. Each alarm is recorded, published on the
// event stream, and delivered to the management centre as a SIP MESSAGE to 888888 with a
// JSON body: {"alarm": id, "type", "time" (UTC), "time_ms", "device" (the VTO No.),
// "source", "details", "ended_ms"}. One message is in flight at a time, oldest first; one
// the centre did not acknowledge (a 2xx) is sent again with back-off (2 s doubling up to
// 60 s), and the undelivered ones are sent again after a restart (they are records with
// no delivery time). The tamper switch's alarm also sounds the alarm tone for 15 s.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "access/access_control.h"
#include "core/timers.h"
#include "hal/tamper_switch.h"
#include "records/alarm_records.h"

namespace spdlog {
class logger;
}

namespace vto::station {

class AlarmCentre final : public access::AlarmSink {
 public:
  static constexpr core::Duration kFirstRetry = std::chrono::seconds(2);
  static constexpr core::Duration kLastRetry = std::chrono::seconds(60);

  // Sends a MESSAGE body to the centre; `done` gets the final SIP status.
  using Send = std::function<void(const std::string& body, std::function<void(int status)> done)>;
  using Publish = std::function<void(const nlohmann::json& event)>;

  struct Callbacks {
    Send send;
    Publish publish;                      // may be empty
    std::function<std::string()> device;  // this VTO's number, for the message
    std::function<std::int64_t()> now_ms;
    std::function<void()> sound_alarm;  // the tamper alarm tone (15 s); may be empty
  };

  AlarmCentre(records::AlarmRecords& records, core::Timers& timers, Callbacks callbacks);
  ~AlarmCentre() override;
  AlarmCentre(const AlarmCentre&) = delete;
  AlarmCentre& operator=(const AlarmCentre&) = delete;

  // Sends what a previous run left undelivered.
  void start();

  AlarmId raise(access::AlarmType type, const std::string& source,
                const std::string& details) override;
  void end(AlarmId id) override;

  // The tamper switch in use (it changes with the facade); nullptr: none.
  void set_tamper_switch(hal::TamperSwitch* tamper);

  // The MESSAGE body of an alarm record.
  static nlohmann::json message(const records::AlarmRecord& r, const std::string& device);

 private:
  void on_tamper(hal::TamperState state);
  void deliver_next();
  void publish(const std::string& state, const records::AlarmRecord& r);

  records::AlarmRecords& records_;
  core::Timers& timers_;
  Callbacks callbacks_;
  std::shared_ptr<spdlog::logger> log_;
  std::deque<std::int64_t> queue_;
  bool sending_ = false;
  core::Duration retry_ = kFirstRetry;
  std::optional<core::Timers::Id> retry_timer_;
  hal::TamperSwitch* tamper_ = nullptr;
  hal::ListenerId tamper_listener_ = 0;
  std::optional<AlarmId> tamper_alarm_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vto::station
