#include "api/http_json.h"

namespace vto::api {

using nlohmann::json;

web::HttpResponse json_response(int status, const json& body) {
  web::HttpResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

web::HttpResponse field_error(const std::string& field, const std::string& rule_id,
                              const std::string& message) {
  return json_response(400,
                       {{"error", field + ": " + message}, {"field", field}, {"rule", rule_id}});
}

Result<json> object_body(const web::HttpRequest& req) {
  if (!req.content_type.starts_with("application/json"))
    return make_error("the body must be JSON (Content-Type: application/json)", Errc::Unsupported);
  auto body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return make_error("the body must be a JSON object", Errc::Invalid);
  return body;
}

int http_status(const Error& e) {
  switch (e.errc) {
    case Errc::Invalid:
      return 400;
    case Errc::NotFound:
      return 404;
    case Errc::Conflict:
    case Errc::Busy:
      return 409;
    case Errc::Unsupported:
      return 415;
    case Errc::Timeout:
      return 504;  // not 408: a browser sends the request again on a 408
    case Errc::Unavailable:
      return 503;
    case Errc::Io:
    case Errc::Other:
      break;
  }
  return 500;
}

web::HttpResponse error_response(const Error& e) {
  return web::json_error(http_status(e), e.message);
}

web::HttpResponse store_error(const Error& e) {
  if (e.errc == Errc::Invalid) {
    const auto colon = e.message.find(": ");
    if (colon != std::string::npos && colon < 40 && e.message.find(' ') > colon)
      return field_error(e.message.substr(0, colon), "invalid", e.message.substr(colon + 2));
    return web::json_error(400, e.message);
  }
  return error_response(e);
}

}  // namespace vto::api
