// Server nonces that need no storage to check (RFC 7616 §3.3, §5.4): each nonce is
// an issue time from the injected clock and a random salt, authenticated with
// HMAC-SHA-256 under a key drawn at random per NonceMint. A nonce that checks out
// was made here, by this process, at the time it says; anything else is forged.
// Also the random hex strings the client needs for cnonces.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "core/timers.h"

namespace vto::sip::auth {

class NonceMint {
 public:
  NonceMint();  // a fresh random key

  std::string issue(core::TimePoint now) const;
  // The issue time of one of our nonces; nullopt for anything we did not make.
  std::optional<core::TimePoint> issued_at(std::string_view nonce) const;
  // A constant per key, sent as `opaque` and expected back.
  const std::string& opaque() const { return opaque_; }

 private:
  std::array<unsigned char, 32> key_{};
  std::string opaque_;
};

// `bytes` bytes from the OpenSSL CSPRNG as lowercase hex.
std::string random_hex(std::size_t bytes);

}  // namespace vto::sip::auth
