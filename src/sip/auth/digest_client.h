// The client side of SIP digest authentication (RFC 3261 §22.2, RFC 7616 §3.4):
// answers a WWW-Authenticate / Proxy-Authenticate challenge with an Authorization
// value, and keeps the last challenge so later requests can be authorized up front
// with the next nonce-count. Used by the user agent; depends on core only.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sip/auth/digest_hash.h"
#include "sip/auth/digest_header.h"

namespace vto::sip::auth {

class DigestClient {
 public:
  // Authorization for `method uri` answering one challenge value; remembers it
  // (nc restarts at 00000001). nullopt when the challenge is malformed or asks
  // for something we cannot do (unknown algorithm, qop without "auth").
  std::optional<std::string> answer(std::string_view challenge, std::string_view method,
                                    std::string_view uri, std::string_view user,
                                    std::string_view password);
  // Same, choosing the strongest supported challenge among several (SHA-256 over MD5).
  std::optional<std::string> answer_best(std::span<const std::string> challenges,
                                         std::string_view method, std::string_view uri,
                                         std::string_view user, std::string_view password);
  // Authorization for a new request reusing the last challenge with the next nc;
  // nullopt when there is none.
  std::optional<std::string> authorization(std::string_view method, std::string_view uri,
                                           std::string_view user, std::string_view password);
  // Forgets the cached challenge (e.g. after the server refused it).
  void reset() { cached_.reset(); }

 private:
  struct Cached {
    Challenge challenge;
    Algorithm algorithm = Algorithm::Md5;
    bool use_qop = false;
    std::string cnonce;
    std::uint32_t nc = 0;
  };

  static std::optional<Cached> accept(std::string_view challenge_value);
  std::optional<std::string> respond(std::string_view method, std::string_view uri,
                                     std::string_view user, std::string_view password);

  std::optional<Cached> cached_;
};

}  // namespace vto::sip::auth
