// What every API route answers with: JSON bodies, field errors a page can put beside the
// field, and one table from an error's code to its HTTP status.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/result.h"
#include "web/http_server.h"

namespace vto::api {

web::HttpResponse json_response(int status, const nlohmann::json& body);

// {"error": "FIELD: RULE", "field": FIELD, "rule": RULE_ID} with status 400: a rejected
// input, named so that a page can put the message beside the field.
web::HttpResponse field_error(const std::string& field, const std::string& rule_id,
                              const std::string& message);

// The body of a change as a JSON object, or the error (Unsupported or Invalid) that refuses it.
// Content-Type must say JSON: an HTML form on another site cannot send that without the
// browser asking first (CORS), one more guard beside the CSRF token.
Result<nlohmann::json> object_body(const web::HttpRequest& req);

// The one table from an error's kind to its HTTP status: Invalid 400, NotFound 404, Conflict
// and Busy 409, Timeout 408, Unsupported 415, Unavailable 503, Io and Other 500. No layer below the
// API speaks HTTP.
int http_status(const Error& e);
web::HttpResponse error_response(const Error& e);

// A store error "FIELD: RULE" (a rule broken: Errc::Invalid) as a field error,
// any other as error_response().
web::HttpResponse store_error(const Error& e);

}  // namespace vto::api
