// One HTTP(S) POST at a time per call, asynchronously on the caller's io_context (Boost.Beast):
// resolve, connect, TLS with the receiver's certificate verified (the system's CAs and the
// ones given) and its name checked, send, read the status line and headers (the body is
// read up to 64 KiB and dropped), all within a timeout.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "webhooks/webhook_settings.h"

namespace vto::webhooks {

struct PostResult {
  int status = 0;     // the HTTP status; 0: no answer
  std::string error;  // why there was none ("connection refused", "certificate verify failed")
};

// POSTs `body` to `url`; `done` is called once, on the io_context's thread.
void http_post(boost::asio::io_context& io, const Url& url, const std::string& ca_pem,
               std::map<std::string, std::string> headers, std::string body,
               std::chrono::seconds timeout, std::function<void(PostResult)> done);

}  // namespace vto::webhooks
