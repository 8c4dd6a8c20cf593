// Webhooks: every door event POSTed as JSON (the body MQTT's raw events carry) to each URL
// of Network › Webhooks, signed: X-OpenVTO-Signature is "sha256=" and the hex HMAC-SHA256,
// with the endpoint's secret, of the X-OpenVTO-Timestamp value, a '.', and the body. Each
// endpoint gets its events one at a time and in order; a failure (no answer, or a status
// other than 2xx, but for a 4xx that will not change) is tried again after 1 s, doubling up
// to 5 min, kMaxAttempts times. At most kQueueCap events wait per endpoint (the oldest go).
// Kept in memory: a restart drops what waits (MQTT's outbox keeps events across restarts).
// docs/webhooks.md.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/timers.h"
#include "webhooks/http_post.h"
#include "webhooks/webhook_settings.h"

namespace vto::webhooks {

// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
std::string signature(std::string_view secret, std::int64_t timestamp_s, std::string_view body);

class Webhooks {
 public:
  static constexpr std::size_t kQueueCap = 200;
  static constexpr int kMaxAttempts = 10;
  static constexpr core::Duration kFirstRetry = std::chrono::seconds(1);
  static constexpr core::Duration kLastRetry = std::chrono::minutes(5);
  static constexpr std::chrono::seconds kTimeout{10};

  Webhooks(boost::asio::io_context& io, core::Timers& timers, std::function<std::int64_t()> now_ms);
  ~Webhooks();

  // The endpoints in force; events waiting for an endpoint that stays (same URL) are kept.
  void apply(const WebhookSettings& settings);
  // An event (`kind` "call_started"...; `event` the JSON without "id").
  void on_event(std::string_view kind, nlohmann::json event);
  // Per endpoint: url, enabled, queued, delivered, failed (given up), last_status,
  // last_error, retry_in_s.
  nlohmann::json status() const;

 private:
  struct Pending {
    std::string kind;
    std::string body;
    std::uint64_t id = 0;
    int attempts = 0;
  };
  struct Target {
    Endpoint endpoint;
    Url url;
    std::deque<Pending> queue;
    bool sending = false;
    bool removed = false;
    core::Duration retry = kFirstRetry;
    std::optional<core::Timers::Id> timer;
    std::int64_t retry_at_ms = 0;
    std::uint64_t delivered = 0, failed = 0, dropped = 0;
    int last_status = 0;
    std::string last_error;
  };
  void send(const std::shared_ptr<Target>& t);
  void sent(const std::shared_ptr<Target>& t, int status, const std::string& error);

  boost::asio::io_context& io_;
  core::Timers& timers_;
  std::function<std::int64_t()> now_ms_;
  std::string ca_pem_;
  std::shared_ptr<TlsClient> tls_;  // made when the CA changes
  std::string tls_error_;           // why there is none
  std::vector<std::shared_ptr<Target>> targets_;
  std::uint64_t next_id_ = 1;
};

}  // namespace vto::webhooks
