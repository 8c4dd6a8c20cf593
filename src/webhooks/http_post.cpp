#include "webhooks/http_post.h"

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <optional>

namespace vto::webhooks {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxAnswer = 64 * 1024;

std::string ssl_reason(const beast::error_code& ec) {
  if (ec.category() == asio::error::get_ssl_category()) {
    const std::string reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()))
                                   ? ERR_reason_error_string(static_cast<unsigned long>(ec.value()))
                                   : "";
    if (!reason.empty()) return reason;
  }
  return ec.message();
}

}  // namespace

class TlsClient {
 public:
  asio::ssl::context context{asio::ssl::context::tls_client};
};

Result<std::shared_ptr<TlsClient>> make_tls_client(const std::string& ca_pem) {
  auto tls = std::make_shared<TlsClient>();
  tls->context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                           asio::ssl::context::no_tlsv1_1);
  beast::error_code ec;
  tls->context.set_default_verify_paths(ec);
  if (!ca_pem.empty()) {
    tls->context.add_certificate_authority(asio::buffer(ca_pem), ec);
    if (ec) return make_error("the CA certificate cannot be read: " + ec.message(), Errc::Invalid);
  }
  tls->context.set_verify_mode(asio::ssl::verify_peer);
  return tls;
}

namespace {

class Post : public std::enable_shared_from_this<Post> {
 public:
  Post(asio::io_context& io, Url url, std::chrono::seconds timeout,
       std::function<void(PostResult)> done)
      : io_(io), url_(std::move(url)), timeout_(timeout), done_(std::move(done)), resolver_(io) {}

  void start(std::shared_ptr<TlsClient> tls, http::request<http::string_body> request) {
    request_ = std::move(request);
    if (url_.tls) {
      if (!tls) return finish({0, "no TLS settings"});
      tls_client_ = std::move(tls);
      tls_.emplace(io_, tls_client_->context);
      beast::error_code ec;
      tls_->set_verify_callback(asio::ssl::host_name_verification(url_.host), ec);
      if (ec) return finish({0, "TLS: " + ec.message()});
      if (!SSL_set_tlsext_host_name(tls_->native_handle(), url_.host.c_str()))
        return finish({0, "TLS: the host name cannot be sent"});
    } else {
      plain_.emplace(io_);
    }
    stream().expires_after(timeout_);
    resolver_.async_resolve(
        url_.host, std::to_string(url_.port),
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
          if (ec)
            return self->finish({0, "cannot resolve " + self->url_.host + ": " + ec.message()});
          self->stream().async_connect(r, [self](beast::error_code ec2, const tcp::endpoint&) {
            if (ec2) return self->finish({0, ec2.message()});
            self->connected();
          });
        });
  }

 private:
  beast::tcp_stream& stream() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  void connected() {
    if (!tls_) return write();
    tls_->async_handshake(asio::ssl::stream_base::client,
                          [self = shared_from_this()](beast::error_code ec) {
                            if (ec) return self->finish({0, "TLS: " + ssl_reason(ec)});
                            self->write();
                          });
  }

  void write() {
    const auto wrote = [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->finish({0, ec.message()});
      self->read();
    };
    if (tls_) {
      http::async_write(*tls_, request_, wrote);
    } else {
      http::async_write(*plain_, request_, wrote);
    }
  }

  void read() {
    parser_.body_limit(kMaxAnswer);
    const auto got = [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec && ec != http::error::body_limit) return self->finish({0, ec.message()});
      self->finish({static_cast<int>(self->parser_.get().result_int()), ""});
    };
    if (tls_) {
      http::async_read(*tls_, buffer_, parser_, got);
    } else {
      http::async_read(*plain_, buffer_, parser_, got);
    }
  }

  void finish(PostResult r) {
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    beast::error_code ignored;
    if (tls_ || plain_) stream().socket().close(ignored);
    done(std::move(r));
  }

  asio::io_context& io_;
  Url url_;
  std::chrono::seconds timeout_;
  std::function<void(PostResult)> done_;
  tcp::resolver resolver_;
  std::shared_ptr<TlsClient> tls_client_;  // outlives tls_ (declared before it)
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  std::optional<beast::tcp_stream> plain_;
  http::request<http::string_body> request_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
};

}  // namespace

void http_post(asio::io_context& io, const Url& url, std::shared_ptr<TlsClient> tls,
               std::map<std::string, std::string> headers, std::string body,
               std::chrono::seconds timeout, std::function<void(PostResult)> done) {
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  const bool default_port = url.port == (url.tls ? 443 : 80);
  const std::string host =
      url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  req.set(http::field::host, default_port ? host : host + ":" + std::to_string(url.port));
  req.set(http::field::user_agent, "OpenVTO");
  req.set(http::field::connection, "close");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::move(body);
  req.prepare_payload();
  auto post = std::make_shared<Post>(io, url, timeout, std::move(done));
  post->start(std::move(tls), std::move(req));
}

}  // namespace vto::webhooks
