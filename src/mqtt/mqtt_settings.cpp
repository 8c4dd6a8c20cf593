#include "mqtt/mqtt_settings.h"

#include <algorithm>
#include <charconv>

#include "core/authority.h"

namespace vto::mqtt {

using nlohmann::json;

namespace {

Error invalid(const std::string& field, const std::string& rule) {
  return make_error(field + ": " + rule, Errc::Invalid);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> percent_decode(std::string_view in, const char* field) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return invalid(field, "a % must be followed by two hex digits");
    const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return invalid(field, "a % must be followed by two hex digits");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool printable(std::string_view s) {
  return std::ranges::all_of(s, [](unsigned char c) { return c >= 0x20 && c != 0x7f; });
}

bool level_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

}  // namespace

bool valid_topic_prefix(std::string_view prefix) {
  if (prefix.empty() || prefix.size() > 64 || prefix.front() == '/' || prefix.back() == '/')
    return false;
  if (prefix.find("//") != std::string_view::npos) return false;
  return std::ranges::all_of(prefix, [](char c) { return level_char(c) || c == '/'; });
}

Result<MqttSettings> parse_mqtt_url(std::string_view url) {
  MqttSettings s;
  s.enabled = true;
  std::string_view rest;
  if (url.starts_with("mqtt://")) {
    rest = url.substr(7);
  } else if (url.starts_with("mqtts://")) {
    rest = url.substr(8);
    s.tls = true;
    s.port = 8883;
  } else {
    return invalid("url", "must start with mqtt:// or mqtts://");
  }
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    if (slash + 1 != rest.size()) return invalid("url", "takes no path");
    rest = rest.substr(0, slash);
  }
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view user_info = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = user_info.find(':');
    auto user = percent_decode(user_info.substr(0, colon), "username");
    if (!user) return user.error();
    s.username = *user;
    if (colon != std::string_view::npos) {
      auto password = percent_decode(user_info.substr(colon + 1), "password");
      if (!password) return password.error();
      s.password = *password;
    }
  }
  auto authority = core::split_authority(rest);
  if (!authority) {
    const std::string& m = authority.error().message;
    return m.starts_with("port") ? invalid("port", "must be 1 to 65535") : invalid("url", m);
  }
  s.host = authority->host;
  if (authority->port) s.port = *authority->port;
  if (auto ok = check(s); !ok) return ok.error();
  return s;
}

Result<void> check(const MqttSettings& s) {
  if (s.enabled && s.host.empty()) return invalid("host", "the broker's address is required");
  if (s.host.size() > 253 || !printable(s.host) || s.host.find(' ') != std::string::npos)
    return invalid("host", "must be a host name or an IP address");
  if (s.port == 0) return invalid("port", "must be 1 to 65535");
  if (s.username.size() > 128 || !printable(s.username))
    return invalid("username", "at most 128 printable characters");
  if (s.password.size() > 128 || !printable(s.password))
    return invalid("password", "at most 128 printable characters");
  if (!s.password.empty() && s.username.empty())
    return invalid("username", "a password needs a user name");
  if (!s.client_id.empty() &&
      (s.client_id.size() > 64 || !std::ranges::all_of(s.client_id, level_char)))
    return invalid("client_id", "at most 64 characters of A-Z, a-z, 0-9, _ and -");
  if (!valid_topic_prefix(s.topic_prefix))
    return invalid("topic_prefix",
                   "1 to 64 characters of A-Z, a-z, 0-9, _, - and / between levels");
  if (!valid_topic_prefix(s.discovery_prefix))
    return invalid("discovery_prefix",
                   "1 to 64 characters of A-Z, a-z, 0-9, _, - and / between levels");
  if (s.qos < 0 || s.qos > 2) return invalid("qos", "must be 0, 1 or 2");
  if (s.ca_pem.size() > kMaxCaPem) return invalid("ca_pem", "at most 64 KiB");
  if (!s.ca_pem.empty() && s.ca_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return invalid("ca_pem", "must be PEM certificates (-----BEGIN CERTIFICATE-----)");
  if (s.unlock && !unlock_allowed(s))
    return invalid("unlock",
                   "the door opens from the broker only over TLS or with the broker on this host");
  return {};
}

bool is_local_host(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

bool unlock_allowed(const MqttSettings& s) {
  return s.tls || is_local_host(s.host);
}

json to_public_json(const MqttSettings& s) {
  return json{{"enabled", s.enabled},
              {"host", s.host},
              {"port", s.port},
              {"tls", s.tls},
              {"ca_pem", s.ca_pem},
              {"username", s.username},
              {"password_set", !s.password.empty()},
              {"client_id", s.client_id},
              {"topic_prefix", s.topic_prefix},
              {"qos", s.qos},
              {"discovery", s.discovery},
              {"discovery_prefix", s.discovery_prefix},
              {"unlock", s.unlock}};
}

json to_saved_json(const MqttSettings& s) {
  json j = to_public_json(s);
  j.erase("password_set");
  j["password"] = s.password;
  return j;
}

namespace {

// Reads the fields of `j` over `s`; `password` and `clear_password` only when `put`.
Result<void> read_fields(const json& j, MqttSettings& s, bool put) {
  if (!j.is_object()) return invalid("body", "must be a JSON object");
  bool clear_password = false;
  std::string password;
  bool password_given = false;
  for (const auto& item : j.items()) {
    // Named, not bound: lambdas cannot capture structured bindings before C++20's clang 16.
    const std::string key = item.key();
    const json& value = item.value();
    const auto text = [&](std::string& out) -> Result<void> {
      if (!value.is_string()) return invalid(key, "must be text");
      out = value.get<std::string>();
      return {};
    };
    const auto flag = [&](bool& out) -> Result<void> {
      if (!value.is_boolean()) return invalid(key, "must be true or false");
      out = value.get<bool>();
      return {};
    };
    Result<void> r;
    if (key == "enabled") {
      r = flag(s.enabled);
    } else if (key == "host") {
      r = text(s.host);
    } else if (key == "port") {
      if (!value.is_number_integer() || value.get<long long>() < 1 ||
          value.get<long long>() > 65535)
        return invalid(key, "must be 1 to 65535");
      s.port = static_cast<std::uint16_t>(value.get<int>());
    } else if (key == "tls") {
      r = flag(s.tls);
    } else if (key == "ca_pem") {
      r = text(s.ca_pem);
    } else if (key == "username") {
      r = text(s.username);
    } else if (key == "password") {
      r = text(password);
      password_given = true;
    } else if (key == "clear_password" && put) {
      r = flag(clear_password);
    } else if (key == "password_set" && put) {
      // what GET shows; ignored
    } else if (key == "client_id") {
      r = text(s.client_id);
    } else if (key == "topic_prefix") {
      r = text(s.topic_prefix);
    } else if (key == "qos") {
      if (!value.is_number_integer()) return invalid(key, "must be 0, 1 or 2");
      s.qos = static_cast<int>(std::clamp<long long>(value.get<long long>(), -1, 3));
    } else if (key == "discovery") {
      r = flag(s.discovery);
    } else if (key == "discovery_prefix") {
      r = text(s.discovery_prefix);
    } else if (key == "unlock") {
      r = flag(s.unlock);
    } else {
      return invalid(key, "unknown field");
    }
    if (!r) return r.error();
  }
  if (clear_password) s.password.clear();
  if (password_given && (!put || !password.empty())) s.password = password;
  return {};
}

}  // namespace

Result<MqttSettings> from_saved_json(const json& j) {
  MqttSettings s;
  if (auto r = read_fields(j, s, false); !r) return r.error();
  if (auto ok = check(s); !ok) return ok.error();
  return s;
}

Result<MqttSettings> from_put_json(const json& j, const MqttSettings& current) {
  MqttSettings s = current;
  if (auto r = read_fields(j, s, true); !r) return r.error();
  if (auto ok = check(s); !ok) return ok.error();
  return s;
}

}  // namespace vto::mqtt
