#include "sip/security/sip_guard.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "core/log.h"

namespace vto::sip {

namespace {

core::FailurePolicy source_policy(const SipGuardConfig& s) {
  core::FailurePolicy p;
  p.max_failures = s.max_failures;
  p.window = s.window;
  p.block = s.block;
  p.max_block = s.max_block;
  p.max_keys = 16384;
  return p;
}

// Users are never blocked, only slowed: the "block" is how long the slowing lasts.
core::FailurePolicy user_policy(const SipGuardConfig& s) {
  core::FailurePolicy p;
  p.max_failures = 1 << 30;  // never reached: failures() is what counts
  p.window = s.window;
  p.block = s.block;
  p.max_block = s.block;
  p.max_keys = 16384;
  return p;
}

}  // namespace

SipGuard::SipGuard(core::Timers& timers, SipGuardConfig settings)
    : timers_(timers),
      config_(settings),
      sources_(source_policy(settings)),
      users_(user_policy(settings)) {}

void SipGuard::set_config(const SipGuardConfig& settings) {
  config_ = settings;
  sources_.set_policy(source_policy(settings));
  users_.set_policy(user_policy(settings));
}

bool SipGuard::is_trusted(std::string_view ip) const {
  return std::find(trusted_.begin(), trusted_.end(), ip) != trusted_.end();
}

std::optional<core::Duration> SipGuard::blocked(std::string_view ip) const {
  return sources_.blocked(core::source_key(ip), timers_.now());
}

bool SipGuard::admit(const Message& message, const Peer& from) {
  if (!message.is_request()) return true;  // responses only match our own requests
  if (!sources_.blocked(core::source_key(from.ip), timers_.now())) return true;
  if (is_trusted(from.ip)) return true;
  if (device_at_source_ && device_at_source_(message, from)) return true;
  ++dropped_;
  return false;
}

core::Duration SipGuard::failure(std::string_view user, std::string_view method, const Peer& from) {
  const auto now = timers_.now();
  if (observer_) {
    observer_(SecurityEvent{SecurityEvent::Kind::AuthFailed, from.host_port(), std::string(user),
                            std::string(method), core::Duration(0)});
  }
  if (!is_trusted(from.ip)) {
    const std::string key = core::source_key(from.ip);
    if (auto block = sources_.failure(key, now)) {
      core::logger("security")
          ->warn("SIP source {} blocked for {} s after {} wrong answers", key,
                 std::chrono::duration_cast<std::chrono::seconds>(*block).count(),
                 config_.max_failures);
      if (observer_) {
        observer_(SecurityEvent{SecurityEvent::Kind::SourceBlocked, key, std::string(user),
                                std::string(method), *block});
      }
    }
  }
  // The user's wrong answers from every source: past the threshold, each waits twice as
  // long as the one before, up to the cap.
  const std::string user_key(user.substr(0, 128));
  users_.failure(user_key, now);
  const int over = users_.failures(user_key, now) - config_.max_failures;
  if (over <= 0) return core::Duration(0);
  core::Duration delay = std::chrono::seconds(1);
  for (int i = 1; i < over && delay < config_.max_answer_delay; ++i) delay *= 2;
  return std::min(delay, config_.max_answer_delay);
}

void SipGuard::clear() {
  sources_.clear_all();
  users_.clear_all();
}

}  // namespace vto::sip
