#include "webhooks/webhook_settings.h"

#include <algorithm>
#include <charconv>

#include "core/authority.h"
#include "core/secure_random.h"

namespace vto::webhooks {

using nlohmann::json;

namespace {

Error invalid(const std::string& field, const std::string& rule) {
  return make_error(field + ": " + rule, Errc::Invalid);
}

bool printable(std::string_view s) {
  return std::ranges::all_of(s, [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

Result<Url> parse_url(std::string_view text) {
  Url u;
  std::string_view rest;
  if (text.starts_with("https://")) {
    u.tls = true;
    u.port = 443;
    rest = text.substr(8);
  } else if (text.starts_with("http://")) {
    u.port = 80;
    rest = text.substr(7);
  } else {
    return invalid("url", "must start with http:// or https://");
  }
  if (text.size() > 512 || !printable(text))
    return invalid("url", "at most 512 characters, no spaces");
  if (rest.find('#') != std::string_view::npos) return invalid("url", "takes no #fragment");
  const auto slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (u.target.front() == '?') u.target = "/" + u.target;
  if (authority.find('@') != std::string_view::npos)
    return invalid("url", "takes no user name or password (the signature authenticates)");
  auto split = core::split_authority(authority);
  if (!split) return invalid("url", split.error().message);
  u.host = split->host;
  if (split->port) u.port = *split->port;
  if (u.host.empty()) return invalid("url", "needs a host");
  return u;
}

Result<void> check(const WebhookSettings& s) {
  if (s.endpoints.size() > WebhookSettings::kMaxEndpoints) return invalid("endpoints", "at most 4");
  for (std::size_t i = 0; i < s.endpoints.size(); ++i) {
    const Endpoint& e = s.endpoints[i];
    const std::string at = "endpoints[" + std::to_string(i) + "].";
    if (auto u = parse_url(e.url); !u) return invalid(at + "url", u.error().message.substr(5));
    if (e.secret.size() < 16 || e.secret.size() > 128 || !printable(e.secret))
      return invalid(at + "secret", "16 to 128 printable characters without spaces");
    for (std::size_t j = 0; j < i; ++j)
      if (s.endpoints[j].url == e.url) return invalid(at + "url", "already in the list");
  }
  if (s.ca_pem.size() > 64 * 1024) return invalid("ca_pem", "at most 64 KiB");
  if (!s.ca_pem.empty() && s.ca_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return invalid("ca_pem", "must be PEM certificates (-----BEGIN CERTIFICATE-----)");
  return {};
}

json to_json(const WebhookSettings& s) {
  json endpoints = json::array();
  for (const auto& e : s.endpoints)
    endpoints.push_back({{"url", e.url}, {"secret", e.secret}, {"enabled", e.enabled}});
  return {{"endpoints", endpoints}, {"ca_pem", s.ca_pem}};
}

Result<WebhookSettings> from_json(const json& j, const WebhookSettings& current) {
  if (!j.is_object()) return invalid("body", "must be a JSON object");
  WebhookSettings s = current;
  for (const auto& item : j.items()) {
    const std::string key = item.key();
    const json& value = item.value();
    if (key == "ca_pem") {
      if (!value.is_string()) return invalid(key, "must be text");
      s.ca_pem = value.get<std::string>();
    } else if (key == "endpoints") {
      if (!value.is_array()) return invalid(key, "must be a list");
      if (value.size() > WebhookSettings::kMaxEndpoints) return invalid(key, "at most 4");
      s.endpoints.clear();
      for (std::size_t i = 0; i < value.size(); ++i) {
        const json& e = value[i];
        const std::string at = "endpoints[" + std::to_string(i) + "]";
        if (!e.is_object()) return invalid(at, "must be an object");
        Endpoint out;
        for (const auto& field : e.items()) {
          const std::string name = field.key();
          if (name == "url" || name == "secret") {
            if (!field.value().is_string()) return invalid(at + "." + name, "must be text");
            (name == "url" ? out.url : out.secret) = field.value().get<std::string>();
          } else if (name == "enabled") {
            if (!field.value().is_boolean())
              return invalid(at + ".enabled", "must be true or false");
            out.enabled = field.value().get<bool>();
          } else {
            return invalid(at + "." + name, "unknown field");
          }
        }
        if (out.secret.empty()) {
          const auto same = std::ranges::find_if(
              current.endpoints, [&](const Endpoint& c) { return c.url == out.url; });
          out.secret =
              same != current.endpoints.end() ? same->secret : core::SecureRandom().hex(16);
        }
        s.endpoints.push_back(std::move(out));
      }
    } else {
      return invalid(key, "unknown field");
    }
  }
  if (auto ok = check(s); !ok) return ok.error();
  return s;
}

}  // namespace vto::webhooks
