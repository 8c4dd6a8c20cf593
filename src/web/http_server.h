// A small HTTP/1.1 server (Boost.Beast) on the core's io_context: the base the JSON
// API and the web interface grow on. It serves HTTPS when given a TLS identity, plain
// HTTP otherwise, or, in redirect mode, nothing but redirects to the HTTPS port. Beast
// stays inside http_server.cpp so that including this header costs nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/result.h"

namespace boost::asio {
class io_context;
}

namespace vto::web {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query
  std::string query;   // after '?', without it
  std::string body;
  std::string content_type;
  std::string remote_ip;
  bool secure = false;  // arrived over TLS
  // Every header, by lower-case name (a repeated header keeps its last value).
  std::map<std::string, std::string> headers;

  // The header's value, or "" when absent; `name` in lower case.
  const std::string& header(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
};

// {"error": message} with the given status.
HttpResponse json_error(int status, const std::string& message);

struct HttpConfig {
  std::string listen_ip = "127.0.0.1";
  std::uint16_t port = 8080;
  std::size_t max_body = 1024 * 1024;
  std::size_t max_connections = 256;
  int timeout_seconds = 30;
  // PEM certificate chain and private key: when both are set the server speaks only TLS.
  std::string tls_certificate_pem = {};
  std::string tls_private_key_pem = {};
  // When set, every request is answered with a redirect to the same path on this HTTPS
  // port, except those to a path given to this server's route() (exactly, or by a prefix
  // route), stream() or body_stream(): those are served as usual.
  std::optional<std::uint16_t> redirect_to_https_port = {};
};

// One side of an accepted WebSocket connection, for a handler to push text messages to.
class WebSocketPeer {
 public:
  virtual ~WebSocketPeer() = default;
  // Queues a text message; a client too slow to take 64 queued messages is disconnected.
  virtual void send(std::string text) = 0;
  // Queues a binary message (a JPEG frame); the same limit.
  virtual void send_binary(std::string bytes) = 0;
  // Messages queued and not yet written: a sender of large frames skips one while its
  // client is behind.
  virtual std::size_t queued() const = 0;
  virtual void close() = 0;
  virtual bool is_open() const = 0;
};

struct WebSocketRoute {
  // Looks at the upgrade request: a response refuses it (401, 403...), nothing accepts.
  std::function<std::optional<HttpResponse>(const HttpRequest&)> accept;
  // With the upgrade request (its cookie or token, to check again while the socket lives).
  std::function<void(const std::shared_ptr<WebSocketPeer>&, const HttpRequest&)> on_open;
  std::function<void(const std::shared_ptr<WebSocketPeer>&)> on_close;
  // Messages from the client are read (and limited to 4 KiB) but not handed on: the
  // server's WebSockets only push.
};

// A response that lasts as long as the client stays (an event stream): the header goes out
// at once, without a length, and each send() is one write of its own. The connection closes
// when the stream does.
class StreamPeer {
 public:
  virtual ~StreamPeer() = default;
  // Queues bytes; a client too slow to take 64 queued writes is disconnected.
  virtual void send(std::string bytes) = 0;
  virtual void close() = 0;
  virtual bool is_open() const = 0;
};

struct StreamStart {
  std::string content_type;
  std::map<std::string, std::string> headers;
};

struct StreamRoute {
  // Looks at the request: a response answers it (401, 400...), a StreamStart starts the
  // stream.
  std::function<std::variant<HttpResponse, StreamStart>(const HttpRequest&)> accept;
  // The stream is open (its header written or queued); the request as accepted.
  std::function<void(const std::shared_ptr<StreamPeer>&, const HttpRequest&)> on_open;
  // The client went or the stream was closed.
  std::function<void(const std::shared_ptr<StreamPeer>&)> on_close;
};

// A request body taken as it arrives (audio streamed in a POST that may last minutes).
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual void data(std::string_view piece) = 0;
  // The body ended: all of Content-Length read (`complete`; the response is then written),
  // or the client went or sent nothing for BodyStreamRoute::idle (the connection is closed).
  virtual HttpResponse end(bool complete) = 0;
};

struct BodyStreamRoute {
  // Looks at the request's header (its body is empty here): a response refuses it, a sink
  // takes the body. A request without Content-Length gets 411.
  std::function<std::variant<HttpResponse, std::shared_ptr<BodySink>>(const HttpRequest&)> accept;
  // Longest silence between two pieces of the body before it ends.
  std::chrono::seconds idle{10};
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  using Reply = std::function<void(HttpResponse)>;
  // A handler that answers later: it calls reply once, on the io_context's thread.
  using AsyncHandler = std::function<void(const HttpRequest&, Reply)>;

  HttpServer(boost::asio::io_context& io, HttpConfig config);
  ~HttpServer();

  // Exact path match; a path ending in '*' matches every path with that prefix.
  void route(const std::string& method, const std::string& path, Handler handler);
  void route_async(const std::string& method, const std::string& path, AsyncHandler handler);
  // A WebSocket endpoint at exactly `path` (GET with Upgrade: websocket).
  void websocket(const std::string& path, WebSocketRoute route);
  // A streamed response at exactly `path` for `method` (StreamRoute).
  void stream(const std::string& method, const std::string& path, StreamRoute route);
  // A streamed request body at exactly `path` for `method` (BodyStreamRoute); the body may
  // be as long as its Content-Length says (up to 4 GiB).
  void body_stream(const std::string& method, const std::string& path, BodyStreamRoute route);
  Result<void> start();
  void stop();
  std::uint16_t port() const;

  // Listens on another address from now on: the new one is opened first (an error leaves
  // the old one as it was), then the old one is closed. Open connections are not touched.
  Result<void> rebind(const std::string& ip, std::uint16_t port);
  // A new certificate and key for connections accepted from now on (checked first).
  Result<void> set_tls(const std::string& certificate_pem, const std::string& private_key_pem);
  // Requests to exactly `path` may carry bodies up to `max_body` bytes (an import) when
  // they say so in Content-Length; at most two such bodies are read at once, a third gets
  // 503. Other paths keep HttpConfig::max_body.
  void allow_large_body(const std::string& path, std::size_t max_body);
  // Which client addresses may connect (an IP allow-list); others are closed at once.
  // Empty: everyone.
  void set_access_filter(std::function<bool(const std::string& ip)> allowed);
  // Redirect mode: the HTTPS port redirects point to (it may change).
  void set_redirect_to_https_port(std::uint16_t port);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace vto::web
