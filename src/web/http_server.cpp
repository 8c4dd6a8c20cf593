#include "web/http_server.h"

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cctype>
#include <deque>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/log.h"

namespace vto::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

const std::string& HttpRequest::header(const std::string& name) const {
  static const std::string kEmpty;
  auto it = headers.find(name);
  return it == headers.end() ? kEmpty : it->second;
}

HttpResponse json_error(int status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.body = nlohmann::json{{"error", message}}.dump();
  return r;
}

namespace {

// The host part of a Host header, when it is a plain name or address (a redirect must
// not carry whatever a client wrote there).
std::optional<std::string> redirect_host(std::string_view host) {
  if (host.empty() || host.size() > 255) return std::nullopt;
  if (host.front() == '[') {  // [IPv6]:port
    auto close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    auto inner = host.substr(1, close - 1);
    for (char c : inner)
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.')
        return std::nullopt;
    return std::string(host.substr(0, close + 1));
  }
  auto name = host.substr(0, host.find(':'));
  if (name.empty()) return std::nullopt;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') return std::nullopt;
  return std::string(name);
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  struct Route {
    std::string method;
    std::string path;
    bool prefix = false;
    AsyncHandler handler;
  };

  Impl(asio::io_context& io_context, HttpConfig cfg)
      : io(io_context), config(std::move(cfg)), acceptor(io_context) {}

  asio::io_context& io;
  HttpConfig config;
  tcp::acceptor acceptor;
  std::optional<ssl::context> tls;
  std::vector<ssl::context> retired_tls;  // contexts older connections may still use
  std::vector<Route> routes;
  std::map<std::string, WebSocketRoute> websockets;
  std::map<std::pair<std::string, std::string>, StreamRoute> streams;  // (method, path)
  std::map<std::pair<std::string, std::string>, BodyStreamRoute> body_streams;
  // The open WebSockets, to be let go of when the server goes: a route's listeners hold
  // their sockets, and each socket holds its route, so an open socket would otherwise keep
  // itself, its listeners and this server (its TLS context) alive past the end.
  std::vector<std::pair<std::weak_ptr<void>, std::function<void()>>> open_sockets;
  std::function<bool(const std::string&)> access_filter;
  std::map<std::string, std::size_t> large_bodies;  // path -> its body limit
  std::size_t large_bodies_reading = 0;
  std::size_t connections = 0;
  bool stopped = false;

  void dispatch(const HttpRequest& req, Reply reply) const {
    bool path_known = false;
    for (const Route& r : routes) {
      bool match = r.prefix ? req.path.starts_with(r.path) : req.path == r.path;
      if (!match) continue;
      path_known = true;
      if (r.method == req.method || (req.method == "HEAD" && r.method == "GET")) {
        try {
          r.handler(req, std::move(reply));
        } catch (const std::exception& e) {
          // A handler bug must not take the daemon down; the log says what happened.
          core::logger("http")->error("{} {}: {}", req.method, req.path, e.what());
          reply(json_error(500, "internal error"));
        }
        return;
      }
    }
    reply(path_known ? json_error(405, "method not allowed") : json_error(404, "not found"));
  }

  // In redirect mode, the routes given to the plain port itself (exact or prefix) are still
  // served (the device family's API, for clients that only speak plain HTTP).
  bool serves_here(const std::string& path) const {
    const auto same_path = [&](const auto& entry) { return entry.first.second == path; };
    return std::any_of(routes.begin(), routes.end(),
                       [&](const Route& r) {
                         return r.prefix ? path.starts_with(r.path) : r.path == path;
                       }) ||
           std::any_of(streams.begin(), streams.end(), same_path) ||
           std::any_of(body_streams.begin(), body_streams.end(), same_path);
  }

  template <class Stream>
  struct StreamSession final : StreamPeer, std::enable_shared_from_this<StreamSession<Stream>> {
    StreamSession(std::shared_ptr<Impl> owner, Stream&& s, const StreamRoute& r, HttpRequest req)
        : server(std::move(owner)), stream(std::move(s)), route(r), request(std::move(req)) {
      ++server->connections;
    }
    ~StreamSession() override { --server->connections; }

    std::shared_ptr<Impl> server;
    Stream stream;
    StreamRoute route;
    HttpRequest request;
    std::deque<std::string> queue;
    std::array<char, 512> sink{};
    bool writing = false;
    bool open = false;
    bool closing = false;

    void run(const StreamStart& start, bool tls) {
      beast::get_lowest_layer(stream).expires_never();
      std::string head =
          "HTTP/1.1 200 OK\r\nServer: OpenVTO\r\nContent-Type: " + start.content_type +
          "\r\nCache-Control: no-store\r\nConnection: close\r\n";
      if (tls) head += "Strict-Transport-Security: max-age=31536000\r\n";
      for (const auto& [name, value] : start.headers) head += name + ": " + value + "\r\n";
      head += "\r\n";
      open = true;
      auto& sockets = server->open_sockets;
      std::erase_if(sockets, [](const auto& s) { return s.first.expired(); });
      sockets.emplace_back(this->shared_from_this(),
                           [weak = std::weak_ptr<StreamSession>(this->shared_from_this())] {
                             if (auto me = weak.lock()) me->abandon();
                           });
      queue.push_back(std::move(head));
      write_next();
      if (route.on_open) route.on_open(this->shared_from_this(), request);
      read();
    }

    // The client sends nothing more; a read that ends says it went.
    void read() {
      stream.async_read_some(asio::buffer(sink),
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               if (ec) {
                                 self->finish();
                                 return;
                               }
                               self->read();
                             });
    }

    void abandon() {
      finish();
      route = StreamRoute{};
    }

    void send(std::string bytes) override {
      if (!open || closing) return;
      if (queue.size() >= 64) {
        close();
        return;
      }
      queue.push_back(std::move(bytes));
      if (!writing) write_next();
    }

    void write_next() {
      writing = true;
      asio::async_write(stream, asio::buffer(queue.front()),
                        [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                          self->writing = false;
                          self->queue.pop_front();
                          if (ec) {
                            self->finish();
                            return;
                          }
                          if (!self->queue.empty() && self->open) self->write_next();
                        });
    }

    void close() override {
      if (!open || closing) return;
      closing = true;
      finish();
    }

    bool is_open() const override { return open && !closing; }

    void finish() {
      if (!open) return;
      open = false;
      beast::error_code ignored;
      beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(stream).close();
      if (route.on_close) route.on_close(this->shared_from_this());
    }
  };

  HttpResponse redirect(const HttpRequest& req, const std::string& local_ip) const {
    auto host = redirect_host(req.header("host"));
    std::string target = req.path + (req.query.empty() ? "" : "?" + req.query);
    if (target.empty() || target.front() != '/') target = "/";
    HttpResponse r;
    r.status = 308;
    r.content_type = "text/plain";
    std::string h = host ? *host : local_ip;
    if (!host && h.find(':') != std::string::npos) h = "[" + h + "]";
    r.headers["Location"] =
        "https://" + h + ":" + std::to_string(*config.redirect_to_https_port) + target;
    r.body = "This door station answers on HTTPS: " + r.headers["Location"] + "\n";
    return r;
  }

  template <class Stream>
  struct WsSession final : WebSocketPeer, std::enable_shared_from_this<WsSession<Stream>> {
    WsSession(std::shared_ptr<Impl> owner, Stream&& next_layer, const WebSocketRoute& r,
              HttpRequest upgrade)
        : server(std::move(owner)),
          ws(std::move(next_layer)),
          route(r),
          request(std::move(upgrade)) {
      ++server->connections;
    }
    ~WsSession() override { --server->connections; }

    std::shared_ptr<Impl> server;
    websocket::stream<Stream> ws;
    WebSocketRoute route;
    HttpRequest request;
    beast::flat_buffer buffer;
    std::deque<std::pair<std::string, bool>> queue;  // message, binary
    bool writing = false;
    bool open = false;
    bool closing = false;

    void run(http::request<http::string_body> req) {
      beast::get_lowest_layer(ws).expires_never();  // the WebSocket keeps its own timeouts
      ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
      ws.set_option(websocket::stream_base::decorator(
          [](websocket::response_type& res) { res.set(http::field::server, "OpenVTO"); }));
      ws.read_message_max(4096);
      ws.async_accept(req, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return;
        self->open = true;
        auto& sockets = self->server->open_sockets;
        std::erase_if(sockets, [](const auto& s) { return s.first.expired(); });
        sockets.emplace_back(self, [weak = std::weak_ptr<WsSession>(self)] {
          if (auto me = weak.lock()) me->abandon();
        });
        if (self->route.on_open) self->route.on_open(self, self->request);
        self->read();
      });
    }

    // The server goes: the route's listeners let go of this socket, and it of them.
    void abandon() {
      finish();
      route = WebSocketRoute{};
    }

    void read() {
      ws.async_read(buffer, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) {
          self->finish();
          return;
        }
        self->buffer.consume(self->buffer.size());
        self->read();
      });
    }

    void send(std::string text) override { enqueue(std::move(text), false); }
    void send_binary(std::string bytes) override { enqueue(std::move(bytes), true); }
    std::size_t queued() const override { return queue.size(); }

    void enqueue(std::string message, bool binary) {
      if (!open || closing) return;
      if (queue.size() >= 64) {
        close();
        return;
      }
      queue.emplace_back(std::move(message), binary);
      if (!writing) write_next();
    }

    void write_next() {
      writing = true;
      ws.binary(queue.front().second);
      ws.async_write(asio::buffer(queue.front().first),
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->queue.pop_front();
                       if (ec) {
                         self->writing = false;
                         self->finish();
                         return;
                       }
                       if (self->queue.empty() || self->closing) {
                         self->writing = false;
                       } else {
                         self->write_next();
                       }
                     });
    }

    void close() override {
      if (!open || closing) return;
      closing = true;
      ws.async_close(websocket::close_code::normal,
                     [self = this->shared_from_this()](beast::error_code) { self->finish(); });
    }

    bool is_open() const override { return open && !closing; }

    void finish() {
      if (!open) return;
      open = false;
      if (route.on_close) route.on_close(this->shared_from_this());
    }
  };

  template <class Stream>
  struct Session : std::enable_shared_from_this<Session<Stream>> {
    template <class... Args>
    Session(std::shared_ptr<Impl> owner, Args&&... args)
        : server(std::move(owner)), stream(std::forward<Args>(args)...) {}
    ~Session() {
      --server->connections;
      end_large();
    }

    void end_large() {
      if (reading_large) --server->large_bodies_reading;
      reading_large = false;
    }

    std::shared_ptr<Impl> server;
    Stream stream;
    beast::flat_buffer buffer;
    std::optional<http::request_parser<http::string_body>> parser;
    http::response<http::string_body> response;
    bool reading_large = false;  // counted in server->large_bodies_reading

    static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

    tcp::socket& socket() { return beast::get_lowest_layer(stream).socket(); }

    void start() {
      if constexpr (kTls) {
        beast::get_lowest_layer(stream).expires_after(
            std::chrono::seconds(server->config.timeout_seconds));
        stream.async_handshake(ssl::stream_base::server,
                               [self = this->shared_from_this()](beast::error_code ec) {
                                 if (ec) {
                                   self->close();
                                   return;
                                 }
                                 self->read();
                               });
      } else {
        read();
      }
    }

    void read() {
      parser.emplace();
      // Beast weighs Content-Length against the limit with the header: the largest allowed
      // here, the path's own once the header is known (read_body).
      std::size_t limit = server->config.max_body;
      for (const auto& [path, max] : server->large_bodies) limit = std::max(limit, max);
      if (!server->body_streams.empty()) limit = std::max<std::size_t>(limit, 0xFFFFFFFFu);
      parser->body_limit(limit);
      parser->header_limit(16 * 1024);
      beast::get_lowest_layer(stream).expires_after(
          std::chrono::seconds(server->config.timeout_seconds));
      // The header first: a path that takes large bodies (an import) raises the limit.
      http::async_read_header(stream, buffer, *parser,
                              [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                                if (ec) return self->on_read(ec);
                                self->read_body();
                              });
    }

    void read_body() {
      const std::string target(parser->get().target());
      {
        const std::string method(parser->get().method_string());
        auto bs = server->body_streams.find({method, target.substr(0, target.find('?'))});
        if (bs != server->body_streams.end()) return stream_body(bs->second);
      }
      auto it = server->large_bodies.find(target.substr(0, target.find('?')));
      const auto length = parser->content_length();
      parser->body_limit(server->config.max_body);  // for chunked bodies
      const bool large_path = it != server->large_bodies.end();
      if (length && *length > (large_path ? it->second : server->config.max_body)) {
        write(json_error(413, "request body too large"), false, 11, false);
        return;
      }
      if (large_path && length && *length > server->config.max_body) {
        // At most two large bodies in memory at once, whoever sends them.
        if (server->large_bodies_reading >= 2) {
          write(json_error(503, "busy with another upload: try again in a moment"), false, 11,
                false);
          return;
        }
        ++server->large_bodies_reading;
        reading_large = true;
        parser->body_limit(it->second);
        beast::get_lowest_layer(stream).expires_after(
            std::chrono::seconds(server->config.timeout_seconds * 4));
      }
      http::async_read(stream, buffer, *parser,
                       [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                         self->end_large();
                         self->on_read(ec);
                       });
    }

    // The request's header as an HttpRequest (the body, if any, is not in it).
    HttpRequest request_of(http::request<http::string_body>& req) {
      HttpRequest r;
      r.method = std::string(req.method_string());
      std::string target(req.target());
      auto q = target.find('?');
      r.path = target.substr(0, q);
      if (q != std::string::npos) r.query = target.substr(q + 1);
      r.content_type = std::string(req[http::field::content_type]);
      r.secure = kTls;
      for (const auto& field : req) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(field.value());
      }
      beast::error_code ignored;
      r.remote_ip = socket().remote_endpoint(ignored).address().to_string();
      return r;
    }

    // A body read piece by piece into a sink (BodyStreamRoute).
    std::shared_ptr<BodySink> body_sink;
    std::uint64_t body_left = 0;
    std::array<char, 4096> body_buffer{};
    std::chrono::seconds body_idle{10};
    unsigned body_version = 11;

    void stream_body(const BodyStreamRoute& route) {
      HttpRequest r = request_of(parser->get());
      body_version = parser->get().version();
      const auto length = parser->content_length();
      if (!length) {
        linger = true;
        write(json_error(411, "Content-Length required"), false, body_version, false);
        return;
      }
      auto accepted =
          route.accept
              ? route.accept(r)
              : std::variant<HttpResponse, std::shared_ptr<BodySink>>(json_error(404, "not found"));
      if (auto* refused = std::get_if<HttpResponse>(&accepted)) {
        linger = true;
        write(*refused, false, body_version, false);
        return;
      }
      body_sink = std::get<std::shared_ptr<BodySink>>(accepted);
      body_left = *length;
      body_idle = route.idle;
      // What came with the header is the body's first piece.
      const auto held = buffer.data();
      const std::size_t take =
          static_cast<std::size_t>(std::min<std::uint64_t>(body_left, held.size()));
      if (take > 0) {
        body_sink->data(std::string_view(static_cast<const char*>(held.data()), take));
        body_left -= take;
      }
      buffer.consume(buffer.size());
      read_body_piece();
    }

    void read_body_piece() {
      if (body_left == 0) return end_body(true);
      beast::get_lowest_layer(stream).expires_after(body_idle);
      const std::size_t want =
          static_cast<std::size_t>(std::min<std::uint64_t>(body_left, body_buffer.size()));
      stream.async_read_some(
          asio::buffer(body_buffer.data(), want),
          [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
            if (n > 0) {
              self->body_sink->data(std::string_view(self->body_buffer.data(), n));
              self->body_left -= n;
            }
            if (ec) {
              self->end_body(false, true);  // the client went, or was silent too long
              return;
            }
            self->read_body_piece();
          });
    }

    void end_body(bool complete, bool gone = false) {
      auto sink = std::move(body_sink);
      HttpResponse out = sink->end(complete);
      if (gone) {
        close();
        return;
      }
      write(out, false, body_version, false);
    }

    void on_read(beast::error_code ec) {
      if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
          ec == asio::error::operation_aborted || ec == asio::ssl::error::stream_truncated) {
        close();
        return;
      }
      if (ec) {
        // Malformed or too large: say so, then close.
        int status = ec == http::error::body_limit ? 413 : 400;
        write(json_error(status, ec == http::error::body_limit ? "request body too large"
                                                               : "malformed request"),
              false, 11, false);
        return;
      }
      auto& req = parser->get();
      HttpRequest r = request_of(req);
      r.body = std::move(req.body());
      beast::error_code ignored;
      const bool keep_alive = req.keep_alive();
      const unsigned version = req.version();
      const bool head = r.method == "HEAD";
      // The connection waits for the answer: nothing more is read until it is written.
      beast::get_lowest_layer(stream).expires_never();
      if (server->config.redirect_to_https_port && !server->serves_here(r.path)) {
        auto local = socket().local_endpoint(ignored).address().to_string();
        write(server->redirect(r, local), keep_alive, version, head);
        return;
      }
      if (auto st = server->streams.find({r.method, r.path}); st != server->streams.end()) {
        auto accepted = st->second.accept
                            ? st->second.accept(r)
                            : std::variant<HttpResponse, StreamStart>(json_error(404, "not found"));
        if (auto* refused = std::get_if<HttpResponse>(&accepted)) {
          write(*refused, keep_alive, version, head);
          return;
        }
        std::make_shared<StreamSession<Stream>>(server, std::move(stream), st->second, std::move(r))
            ->run(std::get<StreamStart>(accepted), kTls);
        return;
      }
      if (websocket::is_upgrade(req)) {
        auto ws_route = server->websockets.find(r.path);
        if (ws_route == server->websockets.end()) {
          write(json_error(404, "no WebSocket here"), false, version, false);
          return;
        }
        if (ws_route->second.accept) {
          if (auto refused = ws_route->second.accept(r)) {
            write(*refused, false, version, false);
            return;
          }
        }
        std::make_shared<WsSession<Stream>>(server, std::move(stream), ws_route->second,
                                            std::move(r))
            ->run(parser->release());
        return;
      }
      auto self = this->shared_from_this();
      auto replied = std::make_shared<bool>(false);
      server->dispatch(r, [self, replied, keep_alive, version, head](HttpResponse out) {
        if (*replied) return;
        *replied = true;
        self->write(out, keep_alive, version, head);
      });
    }

    void write(const HttpResponse& out, bool keep_alive, unsigned version, bool head) {
      response = {};
      response.version(version);
      response.result(static_cast<http::status>(out.status));
      response.set(http::field::server, "OpenVTO");
      response.set(http::field::content_type, out.content_type);
      response.set(http::field::cache_control, "no-store");
      response.set("X-Content-Type-Options", "nosniff");
      response.set("X-Frame-Options", "DENY");
      response.set("Referrer-Policy", "no-referrer");
      // Once a browser has seen the door station over HTTPS, it never asks it over plain
      // HTTP again (browsers keep this only for names, and only with a trusted certificate).
      if constexpr (kTls) response.set("Strict-Transport-Security", "max-age=31536000");
      for (const auto& [name, value] : out.headers) response.set(name, value);
      response.body() = out.body;
      response.keep_alive(keep_alive);
      response.prepare_payload();
      if (head) response.body().clear();  // Content-Length stays the GET's
      beast::get_lowest_layer(stream).expires_after(
          std::chrono::seconds(server->config.timeout_seconds));
      http::async_write(
          stream, response,
          [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
            if (!ec && self->linger) {
              self->drain_then_close();
              return;
            }
            if (ec || !keep_alive) {
              self->close();
              return;
            }
            self->read();
          });
    }

    // A refused body that the client keeps sending: the answer is out; what still comes is
    // read and dropped for a moment before closing, so that the client reads the answer
    // rather than a reset.
    bool linger = false;
    int drained = 0;  // reads dropped so far: at most 64 (256 KiB), within 2 s each
    void drain_then_close() {
      beast::error_code ignored;
      socket().shutdown(tcp::socket::shutdown_send, ignored);
      if (++drained > 64) {
        beast::get_lowest_layer(stream).close();
        return;
      }
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
      stream.async_read_some(asio::buffer(body_buffer),
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               if (ec) {
                                 beast::get_lowest_layer(self->stream).close();
                                 return;
                               }
                               self->drain_then_close();
                             });
    }

    void close() {
      beast::error_code ignored;
      if constexpr (kTls) {
        // No close_notify exchange: the peer may be gone, and the socket closes anyway.
        socket().shutdown(tcp::socket::shutdown_both, ignored);
      } else {
        socket().shutdown(tcp::socket::shutdown_send, ignored);
      }
      beast::get_lowest_layer(stream).close();
    }
  };

  void accept() {
    acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      if (self->stopped || ec == asio::error::operation_aborted) return;
      if (!ec) {
        beast::error_code peer_error;
        const auto peer = socket.remote_endpoint(peer_error);
        const bool allowed = !self->access_filter ||
                             (!peer_error && self->access_filter(peer.address().to_string()));
        if (!allowed) {
          beast::error_code ignored;
          socket.close(ignored);
        } else if (self->connections >= self->config.max_connections) {
          beast::error_code ignored;
          socket.close(ignored);
        } else {
          ++self->connections;
          // No Nagle: a response (or TLS 1.3's session tickets before it) in more than one
          // write would otherwise wait for the browser's delayed ACK, ~40 ms per connection.
          beast::error_code ignored;
          socket.set_option(tcp::no_delay(true), ignored);
          if (self->tls) {
            using TlsStream = beast::ssl_stream<beast::tcp_stream>;
            std::make_shared<Session<TlsStream>>(self, std::move(socket), *self->tls)->start();
          } else {
            std::make_shared<Session<beast::tcp_stream>>(self, std::move(socket))->start();
          }
        }
      }
      self->accept();
    });
  }

  Result<void> set_up_tls() {
    if (config.tls_certificate_pem.empty() && config.tls_private_key_pem.empty()) return {};
    auto made = make_tls(config.tls_certificate_pem, config.tls_private_key_pem);
    if (!made) return made.error();
    tls.emplace(std::move(*made));
    return {};
  }

  static Result<ssl::context> make_tls(const std::string& certificate_pem,
                                       const std::string& private_key_pem) {
    if (certificate_pem.empty() || private_key_pem.empty())
      return make_error("HTTPS needs both a certificate and its private key");
    ssl::context ctx(ssl::context::tls_server);
    beast::error_code ec;
    // TLS 1.2 and 1.3 only.
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                        ssl::context::single_dh_use,
                    ec);
    if (!ec) ctx.use_certificate_chain(asio::buffer(certificate_pem), ec);
    if (!ec) ctx.use_private_key(asio::buffer(private_key_pem), ssl::context::file_format::pem, ec);
    if (!ec && SSL_CTX_check_private_key(ctx.native_handle()) != 1)
      return make_error("cannot use the TLS certificate: the key is not the certificate's");
    if (ec) return make_error("cannot use the TLS certificate: " + ec.message());
    return ctx;
  }
};

HttpServer::HttpServer(asio::io_context& io, HttpConfig config)
    : impl_(std::make_shared<Impl>(io, std::move(config))) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::route(const std::string& method, const std::string& path, Handler handler) {
  route_async(method, path,
              [h = std::move(handler)](const HttpRequest& req, Reply reply) { reply(h(req)); });
}

void HttpServer::route_async(const std::string& method, const std::string& path,
                             AsyncHandler handler) {
  Impl::Route r;
  r.method = method;
  r.prefix = !path.empty() && path.back() == '*';
  r.path = r.prefix ? path.substr(0, path.size() - 1) : path;
  r.handler = std::move(handler);
  impl_->routes.push_back(std::move(r));
}

void HttpServer::websocket(const std::string& path, WebSocketRoute route) {
  impl_->websockets[path] = std::move(route);
}

void HttpServer::stream(const std::string& method, const std::string& path, StreamRoute route) {
  impl_->streams[{method, path}] = std::move(route);
}

void HttpServer::body_stream(const std::string& method, const std::string& path,
                             BodyStreamRoute route) {
  impl_->body_streams[{method, path}] = std::move(route);
}

Result<void> HttpServer::start() {
  if (auto r = impl_->set_up_tls(); !r) return r;
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
    beast::error_code ignored;
    a.close(ignored);
    return make_error("cannot listen for HTTP" + std::string(impl_->tls ? "S" : "") + " on " +
                      impl_->config.listen_ip + ":" + std::to_string(impl_->config.port) + ": " +
                      ec.message());
  }
  impl_->stopped = false;
  impl_->accept();
  return {};
}

void HttpServer::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  auto sockets = std::move(impl_->open_sockets);
  for (auto& [socket, abandon] : sockets) abandon();
}

Result<void> HttpServer::rebind(const std::string& ip, std::uint16_t port) {
  beast::error_code ec;
  auto addr = asio::ip::make_address(ip, ec);
  if (ec) return make_error("bad listen address '" + ip + "'");
  tcp::endpoint ep(addr, port);
  tcp::acceptor next(impl_->io);
  next.open(ep.protocol(), ec);
  if (!ec) next.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) next.bind(ep, ec);
  if (!ec) next.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error("cannot listen on " + ip + ":" + std::to_string(port) + ": " + ec.message());
  beast::error_code ignored;
  impl_->acceptor.close(ignored);  // its pending accept ends with operation_aborted
  impl_->acceptor = std::move(next);
  impl_->config.listen_ip = ip;
  impl_->config.port = port;
  if (!impl_->stopped) impl_->accept();
  return {};
}

Result<void> HttpServer::set_tls(const std::string& certificate_pem,
                                 const std::string& private_key_pem) {
  auto made = Impl::make_tls(certificate_pem, private_key_pem);
  if (!made) return made.error();
  // Sessions hold a reference to the context they were made with: keep the old one alive
  // as long as the server (a handful of contexts at most, one per certificate change).
  if (impl_->tls) impl_->retired_tls.push_back(std::move(*impl_->tls));
  impl_->tls.emplace(std::move(*made));
  return {};
}

void HttpServer::allow_large_body(const std::string& path, std::size_t max_body) {
  impl_->large_bodies[path] = max_body;
}

void HttpServer::set_access_filter(std::function<bool(const std::string& ip)> allowed) {
  impl_->access_filter = std::move(allowed);
}

void HttpServer::set_redirect_to_https_port(std::uint16_t port) {
  impl_->config.redirect_to_https_port = port;
}

std::uint16_t HttpServer::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? impl_->config.port : ep.port();
}

}  // namespace vto::web
