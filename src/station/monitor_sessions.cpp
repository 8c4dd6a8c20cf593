#include "station/monitor_sessions.h"

#include <cctype>

#include "core/log.h"
#include "media/sdp.h"
#include "sip/message/uri.h"
#include "sip/ua/user_agent.h"
#include "station/door_media.h"
#include "station/ua_call_control.h"

namespace vto::station {

namespace {

// Whether the offer has a `kind` stream ("audio", "video") whose direction, seen from the
// monitor, satisfies `direction` (media::sends or media::receives).
bool offers(std::string_view sdp, std::string_view kind, bool (*direction)(media::Direction)) {
  auto parsed = media::SessionDescription::parse(sdp);
  if (!parsed) return false;
  for (const auto& m : parsed->media) {
    if (m.media == kind && !m.declined() && direction(m.direction)) return true;
  }
  return false;
}

}  // namespace

std::string device_of_uri(std::string_view text) {
  if (auto uri = sip::Uri::parse(text); uri && !uri->user().empty()) return uri->user_unescaped();
  return std::string(text);
}

MonitorSessions::MonitorSessions(sip::UserAgent& ua, DoorMedia& media, media::StreamBudget& budget,
                                 core::Timers& timers, device::Access& access, Config config)
    : ua_(ua),
      media_(media),
      budget_(budget),
      timers_(timers),
      access_(access),
      config_(std::move(config)) {}

MonitorSessions::~MonitorSessions() {
  *alive_ = false;
  for (auto& [call, s] : sessions_) timers_.cancel(s.end_timer);
}

bool MonitorSessions::on_event(const sip::UaEvent& e) {
  using Type = sip::UaEvent::Type;
  if (e.type == Type::IncomingCall) {
    incoming(e);
    return true;
  }
  auto it = sessions_.find(e.call);
  if (e.call == 0 || it == sessions_.end()) return false;
  switch (e.type) {
    case Type::Info:
      for (const char k : dtmf_digits(e.content_type, e.body)) key(e.call, k);
      break;
    case Type::Reoffer:
      if (!it->second.talking && offers(e.body, "audio", media::sends)) {
        start_talking(e.call, it->second, "re-INVITE");
      }
      break;
    case Type::Bye:
    case Type::Cancelled:
    case Type::Rejected:
    case Type::Error:
      core::logger("monitor")->info("monitor session {} of {} ended", e.call, it->second.device);
      forget(e.call);
      break;
    default:
      break;
  }
  return true;
}

void MonitorSessions::incoming(const sip::UaEvent& e) {
  auto log = core::logger("monitor");
  const std::uint64_t call = e.call;
  Session s;
  s.device = device_of_uri(e.peer);
  if (offers(e.body, "video", media::receives)) {
    std::weak_ptr<bool> alive = alive_;
    // A visitor's call takes this stream: the session ends (on the core thread: the call
    // that needed the room is being set up on it right now).
    auto ticket = budget_.acquire(media::StreamBudget::Kind::Monitor, [this, alive, call] {
      timers_.start(core::Duration(0), [this, alive, call] {
        if (alive.expired() || !sessions_.contains(call)) return;
        core::logger("monitor")->info("monitor session {} makes room for a visitor's call", call);
        (void)ua_.hangup(call);
        forget(call);
      });
    });
    if (!ticket) {
      log->info("monitor request from {} refused: {} video streams already run", s.device,
                budget_.limit());
      (void)ua_.reject(call, 486);
      return;
    }
    media_.hold_stream(call, *ticket);
  }
  // The door hears the resident only once the resident talks.
  media_.set_speaker_muted(call, true);
  s.end_timer = timers_.start(config_.max_time, [this, call] {
    core::logger("monitor")->info("monitor session {} reached its time", call);
    (void)ua_.hangup(call);
    forget(call);
  });
  const std::string device = s.device;
  sessions_.emplace(call, std::move(s));
  log->info("monitor session {} from {}", call, device);
  if (auto answered = ua_.answer(call); !answered) {
    log->warn("monitor session {}: {}", call, answered.error().message);
    forget(call);
  }
}

bool MonitorSessions::on_dtmf(std::uint64_t call, char k) {
  if (!sessions_.contains(call)) return false;
  key(call, k);
  return true;
}

void MonitorSessions::key(std::uint64_t call, char k) {
  auto it = sessions_.find(call);
  if (it == sessions_.end()) return;
  Session& s = it->second;
  k = static_cast<char>(std::toupper(static_cast<unsigned char>(k)));
  if (k == kTalkKey && !s.talking) start_talking(call, s, "the talk key");
  if (config_.unlock_code.empty()) return;
  if (!s.entry) {
    s.entry = std::make_unique<device::DtmfEntry>(
        timers_, config_.dtmf_pause, [this, call](const std::string& entry) {
          auto found = sessions_.find(call);
          if (found == sessions_.end()) return;
          const auto answer = access_.monitor_code(found->second.device, call, entry);
          core::logger("monitor")->info("monitor session {}: unlock code from {}: {}", call,
                                        found->second.device,
                                        answer.granted ? "door open" : answer.text);
        });
  }
  s.entry->key(k);
}

void MonitorSessions::start_talking(std::uint64_t call, Session& s, const char* how) {
  s.talking = true;
  media_.set_speaker_muted(call, false);
  core::logger("monitor")->info("monitor session {}: {} talks ({})", call, s.device, how);
}

void MonitorSessions::forget(std::uint64_t call) {
  auto it = sessions_.find(call);
  if (it == sessions_.end()) return;
  timers_.cancel(it->second.end_timer);
  sessions_.erase(it);
  access_.call_ended(call);
  media_.on_ended(call);  // its streams and its ticket; a second call later is harmless
}

}  // namespace vto::station
