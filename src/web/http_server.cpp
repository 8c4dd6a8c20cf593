#include "web/http_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/log.h"

namespace vto::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

HttpResponse json_error(int status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.body = nlohmann::json{{"error", message}}.dump();
  return r;
}

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  struct Route {
    std::string method;
    std::string path;
    bool prefix = false;
    Handler handler;
  };

  Impl(asio::io_context& io_context, HttpConfig cfg)
      : io(io_context), config(std::move(cfg)), acceptor(io_context) {}

  asio::io_context& io;
  HttpConfig config;
  tcp::acceptor acceptor;
  std::vector<Route> routes;
  std::size_t connections = 0;
  bool stopped = false;

  HttpResponse dispatch(const HttpRequest& req) const {
    bool path_known = false;
    for (const Route& r : routes) {
      bool match = r.prefix ? req.path.starts_with(r.path) : req.path == r.path;
      if (!match) continue;
      path_known = true;
      if (r.method == req.method) {
        try {
          return r.handler(req);
        } catch (const std::exception& e) {
          // A handler bug must not take the daemon down; the log says what happened.
          core::logger("http")->error("{} {}: {}", req.method, req.path, e.what());
          return json_error(500, "internal error");
        }
      }
    }
    return path_known ? json_error(405, "method not allowed") : json_error(404, "not found");
  }

  struct Session : std::enable_shared_from_this<Session> {
    Session(std::shared_ptr<Impl> owner, tcp::socket socket)
        : server(std::move(owner)), stream(std::move(socket)) {}
    ~Session() { --server->connections; }

    std::shared_ptr<Impl> server;
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    std::optional<http::request_parser<http::string_body>> parser;
    http::response<http::string_body> response;

    void read() {
      parser.emplace();
      parser->body_limit(server->config.max_body);
      parser->header_limit(16 * 1024);
      stream.expires_after(std::chrono::seconds(server->config.timeout_seconds));
      http::async_read(
          stream, buffer, *parser,
          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
      if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
          ec == asio::error::operation_aborted) {
        close();
        return;
      }
      if (ec) {
        // Malformed or too large: say so, then close.
        int status = ec == http::error::body_limit ? 413 : 400;
        write(json_error(status, ec == http::error::body_limit ? "request body too large"
                                                               : "malformed request"),
              false, 11);
        return;
      }
      auto& req = parser->get();
      HttpRequest r;
      r.method = std::string(req.method_string());
      std::string target(req.target());
      auto q = target.find('?');
      r.path = target.substr(0, q);
      if (q != std::string::npos) r.query = target.substr(q + 1);
      r.body = std::move(req.body());
      r.content_type = std::string(req[http::field::content_type]);
      beast::error_code ignored;
      r.remote_ip = stream.socket().remote_endpoint(ignored).address().to_string();
      write(server->dispatch(r), req.keep_alive(), req.version());
    }

    void write(const HttpResponse& out, bool keep_alive, unsigned version) {
      response = {};
      response.version(version);
      response.result(static_cast<http::status>(out.status));
      response.set(http::field::server, "OpenVTO");
      response.set(http::field::content_type, out.content_type);
      response.set(http::field::cache_control, "no-store");
      for (const auto& [name, value] : out.headers) response.set(name, value);
      response.body() = out.body;
      response.keep_alive(keep_alive);
      response.prepare_payload();
      http::async_write(stream, response,
                        [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                          if (ec || !keep_alive) {
                            self->close();
                            return;
                          }
                          self->read();
                        });
    }

    void close() {
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream.close();
    }
  };

  void accept() {
    acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      if (self->stopped || ec == asio::error::operation_aborted) return;
      if (!ec) {
        if (self->connections >= self->config.max_connections) {
          beast::error_code ignored;
          socket.close(ignored);
        } else {
          ++self->connections;
          std::make_shared<Session>(self, std::move(socket))->read();
        }
      }
      self->accept();
    });
  }
};

HttpServer::HttpServer(asio::io_context& io, HttpConfig config)
    : impl_(std::make_shared<Impl>(io, std::move(config))) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::route(const std::string& method, const std::string& path, Handler handler) {
  Impl::Route r;
  r.method = method;
  r.prefix = !path.empty() && path.back() == '*';
  r.path = r.prefix ? path.substr(0, path.size() - 1) : path;
  r.handler = std::move(handler);
  impl_->routes.push_back(std::move(r));
}

Result<void> HttpServer::start() {
  beast::error_code ec;
  auto addr = asio::ip::make_address(impl_->config.listen_ip, ec);
  if (ec) return make_error("bad HTTP listen address '" + impl_->config.listen_ip + "'");
  tcp::endpoint ep(addr, impl_->config.port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error("cannot listen for HTTP on " + impl_->config.listen_ip + ":" +
                      std::to_string(impl_->config.port) + ": " + ec.message());
  }
  impl_->accept();
  return {};
}

void HttpServer::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

std::uint16_t HttpServer::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? impl_->config.port : ep.port();
}

}  // namespace vto::web
