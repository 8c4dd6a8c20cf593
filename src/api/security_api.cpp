#include "api/security_api.h"

#include <nlohmann/json.hpp>
#include <utility>

namespace vto::api {
namespace {

using nlohmann::json;

constexpr const char* kAllowListKey = "security.allow_list";
constexpr const char* kHttpServiceKey = "security.service.http";
constexpr const char* kLoginKey = "security.login";

json strings_json(const std::vector<std::string>& v) {
  json out = json::array();
  for (const auto& s : v) out.push_back(s);
  return out;
}

// The caller as people write it: a dual-stack socket's ::ffff:a.b.c.d is a.b.c.d.
std::string shown_address(const std::string& ip) {
  constexpr std::string_view kMapped = "::ffff:";
  if (ip.size() > kMapped.size() && ip.compare(0, kMapped.size(), kMapped) == 0 &&
      ip.find('.') != std::string::npos)
    return ip.substr(kMapped.size());
  return ip;
}

std::string list_text(const AllowList& list) {
  if (list.empty()) return "empty (everyone)";
  std::string out;
  for (const auto& e : list.entries()) out += (out.empty() ? "" : ", ") + e;
  return out;
}

// "field: message" (a Errc::Invalid error) as a field error.
web::HttpResponse invalid_response(const Error& e) {
  const auto colon = e.message.find(": ");
  if (colon == std::string::npos) return web::json_error(400, e.message);
  return field_error(e.message.substr(0, colon), "invalid", e.message.substr(colon + 2));
}

std::optional<web::HttpResponse> json_object_body(const web::HttpRequest& req, json& body) {
  if (!req.content_type.starts_with("application/json"))
    return web::json_error(415, "the body must be JSON (Content-Type: application/json)");
  body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return web::json_error(400, "the body must be a JSON object");
  return std::nullopt;
}

// The list in a body: {"allow_list": [text...]}; Errc::Invalid naming the field otherwise.
Result<AllowList> allow_list_from_json(const json& body) {
  auto it = body.find("allow_list");
  if (it == body.end() || !it->is_array())
    return make_error("allow_list: must be a list of addresses", Errc::Invalid);
  if (it->size() > AllowList::kMaxEntries) {
    return make_error("allow_list: at most " + std::to_string(AllowList::kMaxEntries) + " entries",
                      Errc::Invalid);
  }
  std::vector<std::string> entries;
  for (std::size_t i = 0; i < it->size(); ++i) {
    if (!(*it)[i].is_string())
      return make_error("allow_list[" + std::to_string(i) + "]: must be text", Errc::Invalid);
    entries.push_back((*it)[i].get<std::string>());
  }
  return AllowList::parse(entries);
}

json login_json(const LoginPolicy& p) {
  return {{"max_failures", p.max_failures},
          {"lock_minutes", p.lock_minutes},
          {"idle_minutes", p.idle_minutes}};
}

// The login rules of a body; every field is required. Errc::Invalid naming the field otherwise.
Result<LoginPolicy> login_from_json(const json& body) {
  LoginPolicy p;
  const struct {
    const char* name;
    int* value;
    int min, max;
    const char* what;
  } fields[] = {
      {"max_failures", &p.max_failures, LoginPolicy::kMinFailures, LoginPolicy::kMaxFailures,
       "failed logins"},
      {"lock_minutes", &p.lock_minutes, LoginPolicy::kMinLockMinutes, LoginPolicy::kMaxLockMinutes,
       "minutes"},
      {"idle_minutes", &p.idle_minutes, LoginPolicy::kMinIdleMinutes, LoginPolicy::kMaxIdleMinutes,
       "minutes"},
  };
  for (const auto& f : fields) {
    auto it = body.find(f.name);
    const bool whole = it != body.end() && it->is_number_integer();
    const auto v = whole ? it->get<std::int64_t>() : 0;
    if (!whole || v < f.min || v > f.max) {
      return make_error(std::string(f.name) + ": a whole number of " + f.what + " from " +
                            std::to_string(f.min) + " to " + std::to_string(f.max),
                        Errc::Invalid);
    }
    *f.value = static_cast<int>(v);
  }
  return p;
}

std::string login_text(const LoginPolicy& p) {
  return std::to_string(p.max_failures) + " failed logins lock for " +
         std::to_string(p.lock_minutes) + " min, sessions end after " +
         std::to_string(p.idle_minutes) + " min idle";
}

json certificate_json(const std::string& pem) {
  auto info = web::describe_certificate(pem);
  if (!info) return {{"error", info.error().message}};
  return {{"subject", info->subject},
          {"issuer", info->issuer},
          {"not_before_ms", info->not_before_ms},
          {"not_after_ms", info->not_after_ms},
          {"sha256_fingerprint", info->sha256_fingerprint},
          {"self_signed", info->self_signed},
          {"names", strings_json(info->names)}};
}

}  // namespace

Result<SecurityState> load_security(store::Settings& settings) {
  auto saved = settings.get_prefix("security.");
  if (!saved) return saved.error();
  SecurityState state;
  if (auto it = saved->find(kAllowListKey); it != saved->end()) {
    auto list = allow_list_from_json(json{{"allow_list", json::parse(it->second, nullptr, false)}});
    if (!list) {
      return make_error("setting " + std::string(kAllowListKey) + ": " + list.error().message,
                        Errc::Invalid);
    }
    state.allow_list = std::move(*list);
  }
  if (auto it = saved->find(kHttpServiceKey); it != saved->end()) {
    if (it->second != "on" && it->second != "off") {
      return make_error(
          "setting " + std::string(kHttpServiceKey) + ": on or off, not '" + it->second + "'",
          Errc::Invalid);
    }
    state.http_service = it->second == "on";
  }
  if (auto it = saved->find(kLoginKey); it != saved->end()) {
    const json body = json::parse(it->second, nullptr, false);
    auto login = body.is_object() ? login_from_json(body)
                                  : Result<LoginPolicy>(make_error("not a JSON object"));
    if (!login) {
      return make_error("setting " + std::string(kLoginKey) + ": " + login.error().message,
                        Errc::Invalid);
    }
    state.login = *login;
  }
  return state;
}

std::optional<std::string> lockout_problem(const AllowList& list, std::string_view caller_ip) {
  if (list.allows(caller_ip)) return std::nullopt;
  return "your address " + shown_address(std::string(caller_ip)) +
         " would be locked out: add it, or a network holding it, to the list";
}

SecurityApi::SecurityApi(store::Settings& settings, SecurityState& current,
                         SecurityCallbacks callbacks, Audit audit)
    : settings_(settings),
      current_(current),
      callbacks_(std::move(callbacks)),
      audit_(std::move(audit)) {}

web::HttpResponse SecurityApi::get(const web::HttpRequest& req) const {
  web::HttpResponse r;
  r.body = json{{"certificate", certificate_json(current_.certificate_pem)},
                {"allow_list", strings_json(current_.allow_list.entries())},
                {"max_allow_list", AllowList::kMaxEntries},
                {"services", {{"http", current_.http_service}}},
                {"login", login_json(current_.login)},
                {"your_address", shown_address(req.remote_ip)}}
               .dump();
  return r;
}

web::HttpResponse SecurityApi::put_allow_list(const web::HttpRequest& req, const Principal& who) {
  json body;
  if (auto bad = json_object_body(req, body)) return *bad;
  auto next = allow_list_from_json(body);
  if (!next) return invalid_response(next.error());
  if (auto problem = lockout_problem(*next, req.remote_ip))
    return field_error("allow_list", "self_lockout", *problem);
  if (*next == current_.allow_list) return get(req);
  if (auto saved = settings_.set(kAllowListKey, strings_json(next->entries()).dump()); !saved)
    return web::json_error(500, saved.error().message);
  current_.allow_list = std::move(*next);
  if (callbacks_.apply_allow_list) callbacks_.apply_allow_list(current_.allow_list);
  if (audit_) audit_(who, "settings_changed", "allow list: " + list_text(current_.allow_list));
  return get(req);
}

web::HttpResponse SecurityApi::put_certificate(const web::HttpRequest& req, const Principal& who) {
  json body;
  if (auto bad = json_object_body(req, body)) return *bad;
  web::TlsIdentity identity;
  for (auto [name, member] : {std::pair{"certificate_pem", &identity.certificate_pem},
                              std::pair{"private_key_pem", &identity.private_key_pem}}) {
    auto it = body.find(name);
    if (it == body.end() || !it->is_string() || it->get<std::string>().empty())
      return field_error(name, "required", "a PEM text is required");
    *member = it->get<std::string>();
  }
  if (auto checked = web::check_identity(identity); !checked) {
    const char* field =
        checked.error().code == web::kBadPrivateKey ? "private_key_pem" : "certificate_pem";
    return field_error(field, "tls", checked.error().message);
  }
  return install(identity, req, who, "replaced");
}

web::HttpResponse SecurityApi::regenerate_certificate(const web::HttpRequest& req,
                                                      const Principal& who) {
  auto identity = web::make_self_signed(callbacks_.self_signed);
  if (!identity) return web::json_error(500, identity.error().message);
  return install(*identity, req, who, "replaced by a new self-signed one");
}

web::HttpResponse SecurityApi::install(const web::TlsIdentity& identity,
                                       const web::HttpRequest& req, const Principal& who,
                                       const std::string& how) {
  auto info = web::describe_certificate(identity.certificate_pem);
  if (!info) return field_error("certificate_pem", "tls", info.error().message);
  if (auto saved = web::save_identity(callbacks_.tls_dir, identity); !saved)
    return web::json_error(500, saved.error().message);
  if (callbacks_.apply_certificate) {
    // Saved already: the next start uses it even if applying it now fails.
    if (auto applied = callbacks_.apply_certificate(identity); !applied)
      return web::json_error(500,
                             "saved, but not applied until restart: " + applied.error().message);
  }
  current_.certificate_pem = identity.certificate_pem;
  if (audit_) {
    audit_(who, "settings_changed",
           "certificate " + how + ": " + info->subject + ", SHA-256 " + info->sha256_fingerprint);
  }
  return get(req);
}

web::HttpResponse SecurityApi::put_services(const web::HttpRequest& req, const Principal& who) {
  json body;
  if (auto bad = json_object_body(req, body)) return *bad;
  auto it = body.find("http");
  if (it == body.end() || !it->is_boolean()) return field_error("http", "type", "true or false");
  const bool on = it->get<bool>();
  if (on == current_.http_service) return get(req);
  if (callbacks_.set_http_service) {
    if (auto set = callbacks_.set_http_service(on); !set) return error_response(set.error());
  }
  if (auto saved = settings_.set(kHttpServiceKey, on ? "on" : "off"); !saved) {
    if (callbacks_.set_http_service) (void)callbacks_.set_http_service(!on);  // as it was
    return web::json_error(500, saved.error().message);
  }
  current_.http_service = on;
  if (audit_)
    audit_(who, "settings_changed", std::string("plain HTTP port: ") + (on ? "on" : "off"));
  return get(req);
}

web::HttpResponse SecurityApi::put_login(const web::HttpRequest& req, const Principal& who) {
  json body;
  if (auto bad = json_object_body(req, body)) return *bad;
  auto next = login_from_json(body);
  if (!next) return invalid_response(next.error());
  if (*next == current_.login) return get(req);
  if (auto saved = settings_.set(kLoginKey, login_json(*next).dump()); !saved)
    return web::json_error(500, saved.error().message);
  current_.login = *next;
  if (callbacks_.apply_login_policy) callbacks_.apply_login_policy(current_.login);
  if (audit_) audit_(who, "settings_changed", "login: " + login_text(current_.login));
  return get(req);
}

void add_security_routes(web::HttpServer& http, WebAuth& auth, store::Settings& settings,
                         SecurityState& current, SecurityCallbacks callbacks) {
  auto api = std::make_shared<SecurityApi>(
      settings, current, std::move(callbacks),
      [&auth](const Principal& who, const std::string& action, const std::string& detail) {
        auth.audit(who, action, detail);
      });
  using Method = web::HttpResponse (SecurityApi::*)(const web::HttpRequest&, const Principal&);
  const auto admin = [&auth, api](Method method) {
    return auth.guard(store::Role::Admin,
                      [api, method](const web::HttpRequest& req, const Principal& who) {
                        return ((*api).*method)(req, who);
                      });
  };
  http.route("GET", "/api/v1/security",
             auth.guard(store::Role::Admin, [api](const web::HttpRequest& req, const Principal&) {
               return api->get(req);
             }));
  http.route("PUT", "/api/v1/security/allow-list", admin(&SecurityApi::put_allow_list));
  http.route("PUT", "/api/v1/security/certificate", admin(&SecurityApi::put_certificate));
  http.route("POST", "/api/v1/security/certificate/regenerate",
             admin(&SecurityApi::regenerate_certificate));
  http.route("PUT", "/api/v1/security/services", admin(&SecurityApi::put_services));
  http.route("PUT", "/api/v1/security/login", admin(&SecurityApi::put_login));
}

}  // namespace vto::api
