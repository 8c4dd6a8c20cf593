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

// The body of a change as a JSON object, or the error (code 415 or 400) that refuses it.
// Content-Type must say JSON: an HTML form on another site cannot send that without the
// browser asking first (CORS), one more guard beside the CSRF token.
Result<nlohmann::json> object_body(const web::HttpRequest& req);

// The HTTP status of an error's code: a rule broken 400, not found 404, a conflict 409, a
// status-shaped code (400-599) as it is, anything else (the database, I/O) 500.
int http_status(const Error& e);
web::HttpResponse error_response(const Error& e);

// A store error "FIELD: RULE" (the store's rule broken, code kInvalid) as a field error,
// any other as error_response().
web::HttpResponse store_error(const Error& e);

}  // namespace vto::api
