#include "compat/dhip_server.h"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <map>
#include <set>

#include "accounts/digest_keys.h"
#include "compat/dhip.h"
#include "core/log.h"
#include "core/secure_random.h"

namespace vto::compat {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using nlohmann::json;

namespace {

constexpr int kLoginChallenge = 268632079;  // 0x1003000F
constexpr const char* kChallengeText = "Component error: login challenge!";
constexpr int kBadLogin = 268632085;
constexpr int kNoSession = 287637505;
constexpr int kNoAuthority = 268959743;
constexpr int kUnknown = 268894209;
constexpr std::size_t kMaxQueued = 64;
constexpr std::size_t kMaxObjects = 8;
constexpr std::uint32_t kEventSid = 513;
constexpr std::chrono::milliseconds kPace{15};

// A session id none of whose bytes is '{' (the header must never hold a '{' after a 0x00)
// and that is not 0.
std::uint32_t new_session_id() {
  for (;;) {
    const auto v = static_cast<std::uint32_t>(core::secure_random().next_u64());
    bool ok = v != 0;
    for (int i = 0; i < 4; ++i) ok = ok && ((v >> (8 * i)) & 0xFF) != '{';
    if (ok) return v;
  }
}

bool at_least(store::Role role, store::Role least) {
  return static_cast<int>(role) <= static_cast<int>(least);
}

}  // namespace

struct DhipServer::Impl : std::enable_shared_from_this<DhipServer::Impl> {
  Impl(asio::io_context& io_context, DhipServices s) : io(io_context), services(std::move(s)) {}

  struct Connection;

  asio::io_context& io;
  DhipServices services;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::weak_ptr<Connection>> connections;
  std::shared_ptr<spdlog::logger> log = core::logger("dhip");

  struct Connection : std::enable_shared_from_this<Connection> {
    Connection(std::shared_ptr<Impl> owner, tcp::socket s, std::string peer)
        : server(std::move(owner)),
          socket(std::move(s)),
          timer(server->io),
          address(std::move(peer)) {}

    std::shared_ptr<Impl> server;
    tcp::socket socket;
    asio::steady_timer timer;
    asio::steady_timer pacer{server->io};
    std::chrono::steady_clock::time_point last_write{};
    std::string address;
    std::array<char, 4096> buffer{};
    DhipReader reader;
    std::deque<std::string> queue;
    bool writing = false;
    bool closed = false;
    bool close_when_sent = false;  // closes once the queue is written
    std::uint32_t session = 0;
    std::string random;  // the challenge issued, until the login that answers it
    bool logged_in = false;
    int failures = 0;
    std::string user;
    store::Role role = store::Role::Viewer;
    std::optional<std::int64_t> attach_id;
    std::set<std::string, std::less<>> codes;
    std::set<std::int64_t> objects;  // accessControl instances

    void start() {
      arm(std::chrono::seconds(30));
      read();
    }

    void arm(std::chrono::seconds after) {
      timer.expires_after(after);
      timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
        if (ec) return;
        if (auto self = weak.lock()) self->close();
      });
    }

    void read() {
      socket.async_read_some(
          asio::buffer(buffer),
          [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
            if (ec || self->closed) {
              self->close();
              return;
            }
            auto messages = self->reader.feed(std::string_view(self->buffer.data(), n));
            if (!messages) {
              self->server->log->info("port 5000: {} sent {}: closed", self->address,
                                      messages.error().message);
              self->close();
              return;
            }
            for (const DhipMessage& m : *messages) {
              if (self->closed) return;
              self->on_message(m);
            }
            if (!self->closed) self->read();
          });
    }

    void send(const json& message, std::uint32_t header_id) {
      if (closed) return;
      if (queue.size() >= kMaxQueued) {
        server->log->warn("port 5000: {} does not read its events: closed", address);
        close();
        return;
      }
      queue.push_back(dhip_encode(session, header_id, safe_json(message).dump()));
      if (!writing) write_next();
    }

    void write_next() {
      writing = true;
      // One message per write (with TCP_NODELAY), and kPace between two writes: a client
      // that parses only the last message of each read then sees every one (it sends its
      // setup requests at once, and would lose all replies but the last).
      const auto now = std::chrono::steady_clock::now();
      if (now - last_write < kPace) {
        pacer.expires_at(last_write + kPace);
        pacer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
          if (ec || self->closed) {
            self->writing = false;
            return;
          }
          self->last_write = std::chrono::steady_clock::time_point{};
          self->write_next();
        });
        return;
      }
      last_write = now;
      asio::async_write(
          socket, asio::buffer(queue.front()),
          [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
            self->writing = false;
            if (ec) {
              self->close();
              return;
            }
            self->queue.pop_front();
            if (!self->queue.empty() && !self->closed) {
              self->write_next();
            } else if (self->close_when_sent) {
              self->close();
            }
          });
    }

    void close() {
      if (closed) return;
      closed = true;
      boost::system::error_code ignored;
      timer.cancel();
      pacer.cancel();
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
    }

    json reply(std::int64_t id, bool result, json params = json::object()) const {
      if (params.is_null()) params = json::object();
      return json{
          {"id", id}, {"params", std::move(params)}, {"result", result}, {"session", session}};
    }
    json error(std::int64_t id, int code, const std::string& text) const {
      json r = reply(id, false);
      r["error"] = {{"code", code}, {"message", text}};
      return r;
    }

    void refuse(std::int64_t id, std::uint32_t header_id, const std::string& what) {
      if (server->services.audit)
        server->services.audit(user, address, "dhip_refused",
                               what + " (role " + std::string(store::role_name(role)) + ")");
      send(error(id, kNoAuthority, "Component error: no authority!"), header_id);
    }

    void on_message(const DhipMessage& m) {
      json request = json::parse(m.body, nullptr, false);
      if (request.is_discarded() || !request.is_object()) {
        server->log->info("port 5000: {} sent a body that is not a JSON object: closed", address);
        close();
        return;
      }
      const std::int64_t id = request.contains("id") && request["id"].is_number_integer()
                                  ? request["id"].get<std::int64_t>()
                                  : 0;
      const std::string method = request.value("method", "");
      json params = request.contains("params") && request["params"].is_object() ? request["params"]
                                                                                : json::object();
      const std::uint32_t hid = m.id;
      if (method == "global.login") return login(id, hid, params);
      if (!logged_in) {
        send(error(id, kNoSession, "Invalid session in request data!"), hid);
        return;
      }
      arm(std::chrono::seconds(3 * kKeepAliveSeconds));
      const DeviceIdentity me =
          server->services.identity ? server->services.identity() : DeviceIdentity{};
      if (method == "global.keepAlive") {
        return send(reply(id, true, {{"timeout", kKeepAliveSeconds}}), hid);
      }
      if (method == "global.logout") {
        send(reply(id, true), hid);
        logged_in = false;
        return;
      }
      if (method == "magicBox.getSystemInfo") {
        return send(reply(id, true,
                          {{"deviceType", me.device_type},
                           {"serialNumber", me.serial},
                           {"hardwareVersion", me.hardware_version},
                           {"processor", me.processor},
                           {"updateSerial", me.device_type}}),
                    hid);
      }
      if (method == "magicBox.getSoftwareVersion") {
        return send(reply(id, true,
                          {{"version",
                            {{"Version", me.version},
                             {"BuildDate", me.build_date},
                             {"WebVersion", me.version},
                             {"SecurityBaseLineVersion", "2.0"}}}}),
                    hid);
      }
      if (method == "magicBox.getDeviceType")
        return send(reply(id, true, {{"type", me.device_type}}), hid);
      if (method == "magicBox.getMachineName")
        return send(reply(id, true, {{"name", me.machine_name}}), hid);
      if (method == "magicBox.getVendor")
        return send(reply(id, true, {{"vendor", me.vendor}}), hid);
      if (method == "magicBox.getSerialNo") return send(reply(id, true, {{"sn", me.serial}}), hid);
      if (method == "magicBox.getHardwareVersion")
        return send(reply(id, true, {{"version", me.hardware_version}}), hid);
      if (method == "magicBox.reboot") {
        if (!at_least(role, store::Role::Admin)) return refuse(id, hid, "magicBox.reboot");
        send(reply(id, true), hid);
        if (server->services.reboot) server->services.reboot(user);
        return;
      }
      if (method == "configManager.getConfig") {
        const std::string name = params.value("name", "");
        auto table = server->services.config ? server->services.config(name) : std::nullopt;
        if (!table) return send(error(id, kUnknown, "Component error: unknown config!"), hid);
        return send(reply(id, true, {{"table", *table}}), hid);
      }
      if (method == "configManager.attach" || method == "configManager.detach") {
        return send(reply(id, true), hid);
      }
      if (method == "eventManager.attach") {
        attach_id = id;
        codes.clear();
        if (params.contains("codes") && params["codes"].is_array()) {
          std::string list;
          for (const auto& c : params["codes"])
            if (c.is_string()) list += c.get<std::string>() + ",";
          codes = parse_codes(list);
        }
        server->log->info("port 5000: {} ({}) attached to events", user, address);
        return send(reply(id, true, {{"SID", kEventSid}}), hid);
      }
      if (method == "eventManager.detach") {
        attach_id.reset();
        return send(reply(id, true), hid);
      }
      if (method == "console.runCmd") {
        const std::string command = params.value("command", "");
        if (command != "hc")
          return send(error(id, kUnknown, "Component error: command not supported!"), hid);
        if (!at_least(role, store::Role::Operator)) return refuse(id, hid, "console.runCmd hc");
        if (server->services.hang_up) server->services.hang_up(user);
        return send(reply(id, true), hid);
      }
      if (method == "accessControl.factory.instance") {
        const auto channel = params.contains("channel") && params["channel"].is_number_integer()
                                 ? params["channel"].get<std::int64_t>()
                                 : 0;
        if (channel != 0 || objects.size() >= kMaxObjects) return send(reply(id, false), hid);
        const std::int64_t object =
            static_cast<std::int64_t>(core::secure_random().next_u64() % 2000000000ULL) + 1;
        objects.insert(object);
        json r = reply(id, true);
        r["result"] = object;
        return send(r, hid);
      }
      const std::int64_t object =
          request.contains("object") && request["object"].is_number_integer()
              ? request["object"].get<std::int64_t>()
              : 0;
      if (method == "accessControl.destroy") {
        objects.erase(object);
        return send(reply(id, true), hid);
      }
      if (method == "accessControl.openDoor") {
        if (!objects.contains(object))
          return send(error(id, kUnknown, "Component error: no such object!"), hid);
        if (!at_least(role, store::Role::Operator))
          return refuse(id, hid, "accessControl.openDoor");
        const std::string why =
            server->services.open_door ? server->services.open_door(user) : "no door";
        if (!why.empty()) return send(error(id, kUnknown, "Component error: " + why), hid);
        return send(reply(id, true), hid);
      }
      send(error(id, kUnknown, "Component error: method not supported!"), hid);
    }

    void login(std::int64_t id, std::uint32_t hid, const json& params) {
      const std::string name = params.value("userName", "");
      const std::string password = params.value("password", "");
      if (logged_in) return send(reply(id, true, {{"keepAliveInterval", kKeepAliveSeconds}}), hid);
      if (random.empty() || password.empty() || name.empty()) {
        // Every first login is challenged, with or without a user name.
        session = new_session_id();
        random = core::secure_random().hex(16);
        json r = reply(id, false,
                       {{"authorization", core::secure_random().hex(20)},
                        {"encryption", "Default"},
                        {"mac", ""},
                        {"random", random},
                        {"realm", std::string(accounts::kDigestRealm)}});
        r["error"] = {{"code", kLoginChallenge}, {"message", kChallengeText}};
        return send(r, hid);
      }
      const std::string challenge = std::exchange(random, std::string());
      const api::ViewerVerdict v = server->services.login
                                       ? server->services.login(name, challenge, password, address)
                                       : api::ViewerVerdict{};
      if (v.kind != api::ViewerVerdict::Kind::Ok) {
        server->log->warn("port 5000: login of {} from {} refused", name, address);
        send(error(id, kBadLogin, "Component error: User or password not valid!"), hid);
        if (++failures >= 3) close_when_sent = true;
        return;
      }
      logged_in = true;
      user = v.user;
      role = v.role;
      arm(std::chrono::seconds(3 * kKeepAliveSeconds));
      server->log->info("port 5000: {} logged in from {}", user, address);
      send(reply(id, true, {{"keepAliveInterval", kKeepAliveSeconds}}), hid);
    }
  };

  void accept() {
    if (!acceptor) return;
    acceptor->async_accept([weak = weak_from_this(), a = &*acceptor](
                               const boost::system::error_code& ec, tcp::socket socket) {
      auto self = weak.lock();
      if (!self || ec == asio::error::operation_aborted) return;
      if (!self->acceptor || &*self->acceptor != a) return;  // rebound meanwhile
      if (!ec) self->admit(std::move(socket));
      self->accept();
    });
  }

  void admit(tcp::socket socket) {
    boost::system::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    if (ec) return;
    const std::string address = peer.address().to_string();
    if (services.allowed && !services.allowed(address)) {
      socket.close(ec);
      return;
    }
    std::erase_if(connections, [](const auto& w) {
      auto c = w.lock();
      return !c || c->closed;
    });
    std::size_t same = 0;
    for (const auto& w : connections)
      if (auto c = w.lock(); c && c->address == address) ++same;
    if (connections.size() >= kMaxConnections || same >= kMaxPerAddress) {
      log->warn("port 5000: {} refused: too many connections", address);
      socket.close(ec);
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto c = std::make_shared<Connection>(shared_from_this(), std::move(socket), address);
    connections.push_back(c);
    c->start();
  }
};

DhipServer::DhipServer(asio::io_context& io, DhipServices services)
    : impl_(std::make_shared<Impl>(io, std::move(services))) {}

DhipServer::~DhipServer() {
  stop();
}

Result<void> DhipServer::listen(const std::string& ip, std::uint16_t port) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(ip, ec);
  if (ec) return make_error("port 5000 protocol: not an address: " + ip, Errc::Invalid);
  tcp::acceptor next(impl_->io);
  const tcp::endpoint at(address, port);
  next.open(at.protocol(), ec);
  if (!ec) next.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) next.bind(at, ec);
  if (!ec) next.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error("cannot listen on " + ip + ":" + std::to_string(port) + ": " + ec.message(),
                      Errc::Conflict);
  }
  if (impl_->acceptor) impl_->acceptor->close(ec);
  impl_->acceptor.emplace(std::move(next));
  impl_->accept();
  return {};
}

void DhipServer::stop() {
  boost::system::error_code ec;
  if (impl_->acceptor) impl_->acceptor->close(ec);
  impl_->acceptor.reset();
  for (auto& w : impl_->connections)
    if (auto c = w.lock()) c->close();
  impl_->connections.clear();
}

bool DhipServer::running() const {
  return impl_->acceptor.has_value();
}

std::uint16_t DhipServer::port() const {
  if (!impl_->acceptor) return 0;
  boost::system::error_code ec;
  return impl_->acceptor->local_endpoint(ec).port();
}

std::size_t DhipServer::sessions() const {
  std::size_t n = 0;
  for (const auto& w : impl_->connections)
    if (auto c = w.lock(); c && !c->closed && c->logged_in) ++n;
  return n;
}

void DhipServer::publish(const std::vector<FamilyEvent>& events) {
  for (const auto& w : impl_->connections) {
    auto c = w.lock();
    if (!c || c->closed || !c->logged_in || !c->attach_id) continue;
    // What happened at one instant goes in one message (a client that keeps only the last
    // message of a read still gets all of it).
    json list = json::array();
    for (const FamilyEvent& e : events)
      if (wanted(c->codes, e.code)) list.push_back(dhip_entry(e));
    if (list.empty()) continue;
    c->send(json{{"id", *c->attach_id},
                 {"method", "client.notifyEventStream"},
                 {"params", {{"SID", kEventSid}, {"eventList", std::move(list)}}},
                 {"session", c->session}},
            static_cast<std::uint32_t>(*c->attach_id));
  }
}

}  // namespace vto::compat
