// One HTTP(S) POST at a time per call, asynchronously on the caller's io_context (Boost.Beast):
// resolve, connect, TLS with the receiver's certificate verified (the system's CAs and the
// ones given) and its name checked, send, read the status line and headers (the body is
// read up to 64 KiB and dropped), all within a timeout.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/result.h"
#include "webhooks/webhook_settings.h"

namespace vto::webhooks {

struct PostResult {
  int status = 0;     // the HTTP status; 0: no answer
  std::string error;  // why there was none ("connection refused", "certificate verify failed")
};

// The TLS settings of every POST: TLS 1.2 or later, the receiver's certificate verified with
// the system's CAs and those of `ca_pem`. Made once (reading the system's CAs is not
// cheap) and shared by the requests. Errc::Invalid when `ca_pem` cannot be read.
class TlsClient;
Result<std::shared_ptr<TlsClient>> make_tls_client(const std::string& ca_pem);

// POSTs `body` to `url` (`tls` for https:// URLs); `done` is called once, on the
// io_context's thread.
void http_post(boost::asio::io_context& io, const Url& url, std::shared_ptr<TlsClient> tls,
               std::map<std::string, std::string> headers, std::string body,
               std::chrono::seconds timeout, std::function<void(PostResult)> done);

}  // namespace vto::webhooks
