#include "webhooks/webhooks.h"

#include <openssl/hmac.h>

#include <boost/asio/post.hpp>
#include "core/log.h"

#include "webhooks/http_post.h"

namespace vto::webhooks {

using nlohmann::json;

std::string signature(std::string_view secret, std::int64_t timestamp_s, std::string_view body) {
  const std::string message = std::to_string(timestamp_s) + "." + std::string(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length);
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 15];
  }
  return out;
}

Webhooks::Webhooks(boost::asio::io_context& io, core::Timers& timers,
                   std::function<std::int64_t()> now_ms)
    : io_(io), timers_(timers), now_ms_(std::move(now_ms)) {}

Webhooks::~Webhooks() {
  for (auto& t : targets_) {
    t->removed = true;
    if (t->timer) timers_.cancel(*t->timer);
  }
}

void Webhooks::apply(const WebhookSettings& settings) {
  if (!tls_ || settings.ca_pem != ca_pem_) {
    ca_pem_ = settings.ca_pem;
    auto tls = make_tls_client(ca_pem_);
    tls_ = tls ? *tls : nullptr;
    tls_error_ = tls ? "" : tls.error().message;
  }
  std::vector<std::shared_ptr<Target>> next;
  for (const auto& e : settings.endpoints) {
    auto url = parse_url(e.url);
    if (!url) continue;  // checked before; never here
    auto same =
        std::ranges::find_if(targets_, [&](const auto& t) { return t->endpoint.url == e.url; });
    std::shared_ptr<Target> t;
    if (same != targets_.end()) {
      t = *same;
    } else {
      t = std::make_shared<Target>();
    }
    t->endpoint = e;
    t->url = *url;
    if (!e.enabled) t->queue.clear();
    next.push_back(std::move(t));
  }
  for (auto& old : targets_) {
    if (std::ranges::find(next, old) != next.end()) continue;
    old->removed = true;
    if (old->timer) timers_.cancel(*old->timer);
  }
  targets_ = std::move(next);
}

void Webhooks::on_event(std::string_view kind, json event) {
  event["id"] = next_id_++;
  const std::string body = event.dump();
  for (auto& t : targets_) {
    if (!t->endpoint.enabled) continue;
    if (t->queue.size() >= kQueueCap) {
      t->queue.pop_front();  // the oldest; never the one being sent (sending holds a copy)
      ++t->dropped;
      core::logger("webhooks")
          ->warn("webhook {}: {} events waiting, the oldest dropped", t->endpoint.url, kQueueCap);
    }
    t->queue.push_back({std::string(kind), body, event["id"].get<std::uint64_t>(), 0});
    if (!t->sending && !t->timer) send(t);
  }
}

void Webhooks::send(const std::shared_ptr<Target>& t) {
  if (t->queue.empty() || t->removed) return;
  t->sending = true;
  Pending& p = t->queue.front();
  ++p.attempts;
  const std::int64_t now_s = now_ms_() / 1000;
  std::map<std::string, std::string> headers = {
      {"Content-Type", "application/json"},
      {"X-OpenVTO-Event", p.kind},
      {"X-OpenVTO-Delivery", std::to_string(p.id)},
      {"X-OpenVTO-Timestamp", std::to_string(now_s)},
      {"X-OpenVTO-Signature", signature(t->endpoint.secret, now_s, p.body)}};
  if (t->url.tls && !tls_) {
    const std::string why = tls_error_;
    boost::asio::post(io_, [this, t, why] {
      if (!t->removed) sent(t, 0, why);
    });
    return;
  }
  http_post(io_, t->url, tls_, std::move(headers), p.body, kTimeout, [this, t](PostResult r) {
    if (t->removed) return;
    sent(t, r.status, r.error);
  });
}

void Webhooks::sent(const std::shared_ptr<Target>& t, int status, const std::string& error) {
  t->sending = false;
  t->last_status = status;
  t->last_error = error;
  auto log = core::logger("webhooks");
  if (t->queue.empty()) return;  // disabled meanwhile
  Pending& p = t->queue.front();
  const bool ok = status >= 200 && status < 300;
  // A 4xx other than 408 (timeout) and 429 (too many) says the request itself is refused:
  // the same request will be refused again.
  const bool hopeless = status >= 400 && status < 500 && status != 408 && status != 429;
  if (ok || hopeless || p.attempts >= kMaxAttempts) {
    if (ok) {
      ++t->delivered;
    } else {
      ++t->failed;
      log->warn("webhook {}: event {} not delivered after {} attempt(s): {}", t->endpoint.url, p.id,
                p.attempts, status ? "status " + std::to_string(status) : error);
    }
    t->queue.pop_front();
    t->retry = kFirstRetry;
    t->retry_at_ms = 0;
    send(t);
    return;
  }
  if (p.attempts == 1)
    log->warn("webhook {}: {}; trying again", t->endpoint.url,
              status ? "status " + std::to_string(status) : error);
  const core::Duration wait = t->retry;
  t->retry = std::min(t->retry * 2, kLastRetry);
  t->retry_at_ms = now_ms_() + std::chrono::duration_cast<std::chrono::milliseconds>(wait).count();
  t->timer = timers_.start(wait, [this, t] {
    t->timer.reset();
    send(t);
  });
}

json Webhooks::status() const {
  json out = json::array();
  const std::int64_t now = now_ms_();
  for (const auto& t : targets_) {
    out.push_back(
        {{"url", t->endpoint.url},
         {"enabled", t->endpoint.enabled},
         {"queued", t->queue.size()},
         {"delivered", t->delivered},
         {"failed", t->failed},
         {"dropped", t->dropped},
         {"last_status", t->last_status},
         {"last_error", t->last_error},
         {"retry_in_s", t->timer ? std::max<std::int64_t>(0, (t->retry_at_ms - now) / 1000) : 0}});
  }
  return out;
}

}  // namespace vto::webhooks
