// The brakes on password guessing over SIP (docs/security.md, "SIP"): every wrong answer
// to a digest challenge is counted per source (an IPv4 address, or an IPv6 /64 that one
// host can rotate through) and per user name. A source that reaches the threshold gets
// no answer at all for a growing time; a user's wrong answers past the threshold, from
// wherever they come, are answered later and later (the right password never waits).
//
// What is not a failure: a request without credentials, an answer to a stale or unknown
// nonce (so a building behind one NAT, or SIPp at 2,000 REGISTER/s, is never blocked).
// Never blocked per source: the configured platform and its alternate, and the real
// device at its own address (a request from where its From user is registered).
// Unknown users and wrong passwords are counted and answered alike.
//
// Depends on core (FailureLimiter) and sip/message, sip/transport (Peer).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/failure_limiter.h"
#include "core/timers.h"
#include "sip/message/message.h"
#include "sip/transport/transport.h"

namespace vto::sip {

struct SipGuardConfig {
  int max_failures = 5;                              // wrong answers before a block
  core::Duration block = std::chrono::minutes(5);    // the first block; recidives double
  core::Duration window = std::chrono::minutes(10);  // failures further apart are forgotten
  core::Duration max_block = std::chrono::hours(24);
  core::Duration max_answer_delay = std::chrono::seconds(32);
  bool operator==(const SipGuardConfig&) const = default;
};

struct SecurityEvent {
  enum class Kind { AuthFailed, SourceBlocked };
  Kind kind = Kind::AuthFailed;
  std::string source;  // the address ("192.0.2.7", "[2001:db8::1]:5060")
  std::string user;    // the user name the credentials gave, as sent
  std::string method;
  core::Duration block{0};  // SourceBlocked: how long
};

class SipGuard {
 public:
  using DeviceAtSource = std::function<bool(const Message& request, const Peer& from)>;
  using Observer = std::function<void(const SecurityEvent&)>;

  explicit SipGuard(core::Timers& timers, SipGuardConfig settings = {});

  void set_config(const SipGuardConfig& settings);
  const SipGuardConfig& config() const { return config_; }
  // Addresses never blocked per source (the platform and its alternate).
  void set_trusted(std::vector<std::string> ips) { trusted_ = std::move(ips); }
  // Whether `request` comes from where its sender is registered (the real device).
  void set_device_at_source(DeviceAtSource fn) { device_at_source_ = std::move(fn); }
  void set_observer(Observer fn) { observer_ = std::move(fn); }

  // Whether a message from `from` goes on: false for requests from a blocked source.
  bool admit(const Message& message, const Peer& from);
  // A wrong answer to a challenge (or another user's credentials) for `user`. Returns how
  // long the answer should wait (zero until the user's failures pass the threshold).
  core::Duration failure(std::string_view user, std::string_view method, const Peer& from);

  // The time left of the block of `ip`'s source key, if blocked.
  std::optional<core::Duration> blocked(std::string_view ip) const;
  // Unblocks every source and forgets every count (an administrator's word).
  void clear();
  std::uint64_t dropped() const { return dropped_; }

 private:
  bool is_trusted(std::string_view ip) const;

  core::Timers& timers_;
  SipGuardConfig config_;
  core::FailureLimiter sources_;
  core::FailureLimiter users_;
  std::vector<std::string> trusted_;
  DeviceAtSource device_at_source_;
  Observer observer_;
  std::uint64_t dropped_ = 0;
};

}  // namespace vto::sip
