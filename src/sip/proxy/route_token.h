// The proof that a Route entry is one this server wrote. When the server record-routes a
// dialog it puts a token in its Record-Route URI (";ovt=..."): an HMAC, under a key drawn
// at start, of the Call-ID and the addresses of the dialog's two ends. An in-dialog
// request that comes back through this server is forwarded only when its token checks
// out for its Call-ID and for the two addresses it travels between, so neither a Route
// entry naming this server nor a token copied from another call opens a relay.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace vto::sip {

class RouteToken {
 public:
  static constexpr std::string_view kParam = "ovt";

  RouteToken();  // a fresh random key

  // The token of a dialog with `call_id` between the hosts `ip_a` and `ip_b` (either order).
  std::string sign(std::string_view call_id, std::string_view ip_a, std::string_view ip_b) const;
  bool verify(std::string_view token, std::string_view call_id, std::string_view ip_a,
              std::string_view ip_b) const;

 private:
  std::array<unsigned char, 32> key_{};
};

}  // namespace vto::sip
