// Monitoring from an indoor monitor:
// a monitor calls this VTO's number and the door station answers by itself. The monitor sees
// the camera and hears the door at once; the door's speaker stays silent until the resident
// starts talking, which the monitor says with
//   - the talk key, DTMF '*' (RFC 4733 in the audio, or SIP INFO), or
//   - a re-INVITE whose audio the monitor sends (sendrecv or sendonly), as a phone taking a
//     call off hold does.
// The unlock code works as in a visitor's call. A session ends when the monitor hangs up,
// after the monitor time (a setting), or when a visitor's call needs its video stream.
// Each session holds one of the six video streams: past them, the call gets 486 Busy Here.
// Core thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/timers.h"
#include "device/access.h"
#include "device/dtmf_entry.h"
#include "media/stream_budget.h"

namespace vto::sip {
class UserAgent;
struct UaEvent;
}  // namespace vto::sip

namespace vto::station {

class DoorMedia;

class MonitorSessions {
 public:
  static constexpr char kTalkKey = '*';

  struct Config {
    std::string unlock_code;  // DTMF digits; empty: no remote unlock
    core::Duration max_time = std::chrono::seconds(60);
    core::Duration dtmf_pause = std::chrono::seconds(2);  // a pause ends an entry of the code
  };

  // `access` decides on each entry of the unlock code (DtmfEntry) a monitor sends.
  MonitorSessions(sip::UserAgent& ua, DoorMedia& media, media::StreamBudget& budget,
                  core::Timers& timers, device::Access& access, Config config);
  ~MonitorSessions();
  MonitorSessions(const MonitorSessions&) = delete;
  MonitorSessions& operator=(const MonitorSessions&) = delete;

  // Every event of the VTO's user agent; true when it was about a monitor session.
  bool on_event(const sip::UaEvent& event);
  // An RFC 4733 key received in `call`; true when `call` is a monitor session.
  bool on_dtmf(std::uint64_t call, char key);

  bool is_session(std::uint64_t call) const { return sessions_.contains(call); }
  std::size_t count() const { return sessions_.size(); }
  void set_max_time(core::Duration max_time) { config_.max_time = max_time; }
  void set_unlock_code(std::string code) { config_.unlock_code = std::move(code); }

 private:
  struct Session {
    std::string device;  // "101#0", from the caller's URI
    bool talking = false;
    std::unique_ptr<device::DtmfEntry> entry;  // the unlock code, in whole entries
    core::Timers::Id end_timer = 0;
  };

  void incoming(const sip::UaEvent& event);
  void key(std::uint64_t call, char key);
  void start_talking(std::uint64_t call, Session& s, const char* how);
  void forget(std::uint64_t call);

  sip::UserAgent& ua_;
  DoorMedia& media_;
  media::StreamBudget& budget_;
  core::Timers& timers_;
  device::Access& access_;
  Config config_;
  std::map<std::uint64_t, Session> sessions_;
  // Sessions a visitor's call evicted: ended on the core thread, after the budget's call.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// The device ("101#0") of a SIP URI ("sip:101%230@10.0.0.5:5060"), or the URI itself.
std::string device_of_uri(std::string_view uri);

}  // namespace vto::station
