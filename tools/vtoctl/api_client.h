// vtoctl's client of vtod's JSON API (HTTPS with an API token), for managing a station
// through the same checks, live effects and audit log as the web interface.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/result.h"

namespace vto::tools {

struct ApiAnswer {
  int status = 0;
  nlohmann::json body;  // null when the answer was empty or not JSON
};

class ApiClient {
 public:
  // `url`: https://HOST:PORT (numeric host, or a name). `ca_file`: the PEM certificate(s) the
  // station's must chain to; for a station's own self-signed certificate, that file itself
  // (DATA/tls/cert.pem). The name or address in `url` must be in the certificate.
  static Result<ApiClient> create(const std::string& url, std::string token, std::string ca_file);

  Result<ApiAnswer> call(const std::string& method, const std::string& path,
                         const nlohmann::json& body = nullptr) const;

 private:
  std::string host_;
  std::string port_;
  std::string token_;
  std::string ca_file_;
};

}  // namespace vto::tools
