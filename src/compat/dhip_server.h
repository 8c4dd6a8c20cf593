// The device family's event protocol on TCP port 5000 ("DHIP", dhip.h): home automation
// clients log in with the family's challenge, keep the session alive, ask a few facts and
// the access control table, open the door, hang up a call, and attach to the event stream,
// on which every door event (family_events.h) is pushed as client.notifyEventStream with
// the attach request's id.
//
// Who may do what: the login is checked against the web accounts' MD5 digest keys (only
// accounts with legacy digest have one); failures count in the same lock-out as HTTP and
// RTSP digest. Any account may read and attach; opening the door and hanging up need the
// operator role, a reboot the admin role. Refusals go to the audit log.
// Limits: 16 connections (4 per address), 30 s to log in, a logged-in session closes after
// three keep-alive intervals of silence, 64 messages queued per client, 64 KiB per request.
// Runs on the core thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/auth/viewer_auth.h"
#include "compat/device_identity.h"
#include "compat/family_events.h"
#include "core/result.h"

namespace boost::asio {
class io_context;
}

namespace vto::compat {

struct DhipServices {
  std::function<DeviceIdentity()> identity;
  // api::ViewerAuth::check_login_hash.
  std::function<api::ViewerVerdict(std::string_view user, std::string_view random,
                                   std::string_view hash, std::string_view address)>
      login;
  // A configuration table by name ("AccessControl", "T2UServer", ...); nullopt: unknown.
  std::function<std::optional<nlohmann::json>(std::string_view name)> config;
  // Opens the door for `user`: empty when opened, else why not.
  std::function<std::string(const std::string& user)> open_door;
  std::function<void(const std::string& user)> hang_up;
  std::function<void(const std::string& user)> reboot;
  // Whether a client address may connect (the IP allow-list); empty: all.
  std::function<bool(std::string_view address)> allowed;
  // A refusal or an action, for the audit log.
  std::function<void(const std::string& user, const std::string& address, const std::string& action,
                     const std::string& detail)>
      audit;
};

class DhipServer {
 public:
  static constexpr std::size_t kMaxConnections = 16;
  static constexpr std::size_t kMaxPerAddress = 4;
  static constexpr int kKeepAliveSeconds = 60;

  DhipServer(boost::asio::io_context& io, DhipServices services);
  ~DhipServer();
  DhipServer(const DhipServer&) = delete;
  DhipServer& operator=(const DhipServer&) = delete;

  // Listens on ip:port (0: any free port); an error leaves the old address as it was. Open
  // sessions are not touched.
  Result<void> listen(const std::string& ip, std::uint16_t port);
  // Stops listening and closes every session.
  void stop();
  bool running() const;
  std::uint16_t port() const;
  std::size_t sessions() const;

  // Pushes each event to every attached session that wants its code.
  void publish(const std::vector<FamilyEvent>& events);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace vto::compat
