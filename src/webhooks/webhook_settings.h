// Network › Webhooks: the URLs the door's events are POSTed to, each with the secret its
// HMAC signature is made with (docs/webhooks.md). Saved as "network.webhooks".
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace vto::webhooks {

struct Url {
  bool tls = false;
  std::string host;
  std::uint16_t port = 0;
  std::string target;  // path and query, at least "/"
};

// http:// or https:// URLs with a host, an optional port and a path; no user info, no
// fragment. Errc::Invalid with the rule broken.
Result<Url> parse_url(std::string_view url);

struct Endpoint {
  std::string url;
  std::string secret;  // the HMAC-SHA256 key, 16 to 128 printable characters
  bool enabled = true;
  bool operator==(const Endpoint&) const = default;
};

struct WebhookSettings {
  static constexpr std::size_t kMaxEndpoints = 4;
  std::vector<Endpoint> endpoints;
  // PEM certificate(s) HTTPS receivers' certificates must chain to, besides the system's.
  std::string ca_pem;
  bool operator==(const WebhookSettings&) const = default;
};

inline constexpr std::string_view kWebhooksKey = "network.webhooks";

// Every rule; Errc::Invalid with "endpoints[N].field: rule" or "ca_pem: rule".
Result<void> check(const WebhookSettings& s);
nlohmann::json to_json(const WebhookSettings& s);  // the secrets included (admin only)
// A PUT body or the saved value. An endpoint given without a secret keeps the secret of the
// endpoint with the same URL in `current`, else gets a new random one.
Result<WebhookSettings> from_json(const nlohmann::json& j, const WebhookSettings& current);

}  // namespace vto::webhooks
