#include "accounts/digest_keys.h"

#include "sip/auth/digest_hash.h"

namespace vto::accounts {

store::DigestKeys digest_keys(std::string_view user, std::string_view password) {
  using sip::auth::Algorithm;
  return {sip::auth::digest_key(Algorithm::Md5, user, kDigestRealm, password),
          sip::auth::digest_key(Algorithm::Sha256, user, kDigestRealm, password)};
}

}  // namespace vto::accounts
