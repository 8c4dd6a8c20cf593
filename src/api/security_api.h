// Security in the API: the HTTPS certificate (shown, replaced by an upload
// or by a new self-signed one), the IP allow-list, and the services that can be switched
// off. Everything here is admin-only, reading included: it is security configuration.
//   GET  /api/v1/security                        -> {certificate: {subject, issuer,
//        not_before_ms, not_after_ms, sha256_fingerprint, self_signed, names},
//        allow_list: [...], services: {http}, login: {max_failures, lock_minutes,
//        idle_minutes}, your_address}
//   PUT  /api/v1/security/allow-list             <- {allow_list: ["192.168.1.0/24", ...]}
//   PUT  /api/v1/security/certificate            <- {certificate_pem, private_key_pem}
//   POST /api/v1/security/certificate/regenerate
//   PUT  /api/v1/security/services               <- {http: true|false}
//   PUT  /api/v1/security/login                  <- {max_failures, lock_minutes, idle_minutes}
// Each change answers with the GET body. A change is checked whole, saved (settings
// "security.*", or the TLS directory), applied live through a hook, and audited. The
// private key is never sent back nor logged.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/auth/allow_list.h"
#include "api/auth/web_auth.h"
#include "store/settings.h"
#include "web/tls_certificate.h"

namespace vto::api {

struct SecurityState {
  AllowList allow_list;      // "security.allow_list", a JSON array of strings
  bool http_service = true;  // "security.service.http", "on"/"off": the redirecting port
  LoginPolicy login;         // "security.login", a JSON object
  // The certificate in force: not a setting (it lives in the TLS directory); vtod sets it
  // at start, the routes keep it current.
  std::string certificate_pem;
};

// The saved settings, defaults for those never saved; a saved value that does not parse
// is a Errc::Invalid error naming the key.
Result<SecurityState> load_security(store::Settings& settings);

struct SecurityCallbacks {
  std::string tls_dir;                // where cert.pem and key.pem are kept
  web::SelfSignedConfig self_signed;  // for a new self-signed certificate
  // Makes the HTTPS server use the identity for new connections (HttpServer::set_tls).
  std::function<Result<void>(const web::TlsIdentity&)> apply_certificate;
  // Makes the servers refuse clients the list does not allow (HttpServer::set_access_filter).
  std::function<void(const AllowList&)> apply_allow_list;
  // Opens or closes the plain HTTP port; an error (code 409 to say "not now") leaves it
  // as it was.
  std::function<Result<void>(bool on)> set_http_service;
  // Makes the login rules hold from now on (WebAuth::set_login_policy).
  std::function<void(const LoginPolicy&)> apply_login_policy;
};

// Why saving `list` would lock out the client at `caller_ip`, or nothing when it would not.
std::optional<std::string> lockout_problem(const AllowList& list, std::string_view caller_ip);

// The routes' handlers, apart from authentication (tests call them with a made-up
// Principal). `current` and `settings` must outlive it.
class SecurityApi {
 public:
  using Audit = std::function<void(const Principal& who, const std::string& action,
                                   const std::string& detail)>;

  SecurityApi(store::Settings& settings, SecurityState& current, SecurityCallbacks callbacks,
              Audit audit);

  web::HttpResponse get(const web::HttpRequest& req) const;
  web::HttpResponse put_allow_list(const web::HttpRequest& req, const Principal& who);
  web::HttpResponse put_certificate(const web::HttpRequest& req, const Principal& who);
  web::HttpResponse regenerate_certificate(const web::HttpRequest& req, const Principal& who);
  web::HttpResponse put_services(const web::HttpRequest& req, const Principal& who);
  web::HttpResponse put_login(const web::HttpRequest& req, const Principal& who);

 private:
  // Saves, applies and audits a checked identity; answers with the GET body.
  web::HttpResponse install(const web::TlsIdentity& identity, const web::HttpRequest& req,
                            const Principal& who, const std::string& how);

  store::Settings& settings_;
  SecurityState& current_;
  SecurityCallbacks callbacks_;
  Audit audit_;
};

void add_security_routes(web::HttpServer& http, WebAuth& auth, store::Settings& settings,
                         SecurityState& current, SecurityCallbacks callbacks);

}  // namespace vto::api
