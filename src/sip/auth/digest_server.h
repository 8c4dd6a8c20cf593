// The server side of SIP digest authentication (RFC 3261 §22, RFC 7616, RFC 8760):
// builds the challenges of a 401/407 and checks the credentials that answer them.
// Nonces are stateless HMAC tokens (digest_nonce.h); the only state kept is the
// highest nonce-count seen per nonce in use, for replay detection, bounded in size.
// Used by the registrar and the proxy; depends on core only.
//
// Policy:
// - Offers SHA-256 then MD5 with qop="auth"; accepts only what it offers.
// - Credentials without qop (RFC 2069) are refused unless `allow_rfc2069` is set,
//   and then only for MD5; such a nonce is good for one request (no nc to count).
// - Unknown users and wrong passwords get the same verdict after the same work.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/timers.h"
#include "sip/auth/digest_hash.h"
#include "sip/auth/digest_header.h"
#include "sip/auth/digest_nonce.h"

namespace vto::sip::auth {

struct DigestConfig {
  std::string realm = "VDP";
  core::Duration nonce_lifetime = std::chrono::minutes(5);
  // Most preferred first; challenges() offers them in this order.
  std::vector<Algorithm> algorithms = {Algorithm::Sha256, Algorithm::Md5};
  // Nonces in use whose nonce-count is remembered (about 100 bytes each). Past this,
  // the oldest are forgotten and answers with them get a stale=true 401: at 10,000
  // registrations per second the window is still about 6 s, far more than the
  // round trip between a 401 and the REGISTER that answers it.
  std::size_t max_tracked_nonces = 65536;
  bool allow_rfc2069 = false;
  // An answer without the opaque is taken (some RTSP clients send back only realm and
  // nonce); the nonce is authenticated on its own, so this weakens nothing.
  bool opaque_optional = false;
};

enum class Verdict {
  Ok,
  Stale,    // right password, expired nonce: challenge again with stale=true
  Invalid,  // anything else that is wrong, unknown users included
  Replay,   // a nonce-count already used with this nonce
  // A nonce or opaque this server did not issue (e.g. one from before a restart): the
  // sender learns nothing about the password, so it is simply challenged afresh.
  UnknownNonce,
};

struct Verification {
  Verdict verdict = Verdict::Invalid;
  std::string username;  // as sent in the credentials
};

using PasswordLookup = std::function<std::optional<std::string>(std::string_view user)>;
// The stored digest key H(user:realm:password) of `user` for `algorithm`'s hash (MD5 for
// MD5 and MD5-sess, SHA-256 for both SHA-256 forms), lowercase hex; nullopt: no such user
// or no key of that kind.
using DigestKeyLookup =
    std::function<std::optional<std::string>(std::string_view user, Algorithm algorithm)>;

class DigestServer {
 public:
  explicit DigestServer(core::Timers& timers, DigestConfig options = {});

  // WWW-Authenticate / Proxy-Authenticate values for one 401/407, one per
  // algorithm, sharing a fresh nonce.
  std::vector<std::string> challenges(bool stale) const;

  Verification verify(std::string_view method, const Credentials& credentials,
                      const PasswordLookup& password_of);
  // The same checks against stored digest keys instead of passwords.
  Verification verify_keys(std::string_view method, const Credentials& credentials,
                           const DigestKeyLookup& key_of);

  const DigestConfig& options() const { return options_; }
  std::size_t tracked_nonces() const { return used_.size(); }

 private:
  bool offered(Algorithm algorithm) const;
  void forget_expired(core::TimePoint now);
  // Records `nc` for `nonce`: Replay when it does not exceed what was seen.
  Verdict record_use(const std::string& nonce, core::TimePoint issued, std::uint64_t nc);

  core::Timers& timers_;
  DigestConfig options_;
  NonceMint mint_;
  std::map<std::string, std::uint64_t, std::less<>> used_;  // nonce -> highest nc
  std::multimap<core::TimePoint, std::string> by_issue_;    // same entries, oldest first
  // Nonces issued up to here may have been forgotten early (table full): their
  // count history is lost, so they are treated as stale rather than trusted.
  std::optional<core::TimePoint> forgotten_up_to_;
};

}  // namespace vto::sip::auth
