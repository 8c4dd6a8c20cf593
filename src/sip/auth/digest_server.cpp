#include "sip/auth/digest_server.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

namespace vto::sip::auth {

namespace {

// Hashed in place of the password of a user that does not exist, so that an
// unknown user costs the same work as a wrong password.
constexpr std::string_view kDummyPassword = "vto-digest-no-such-user";

// RFC 7616: nc is 8LHEX. Leniently accept upper case, never more than 8 digits.
std::optional<std::uint64_t> parse_nc(std::string_view text) {
  if (text.size() != 8) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    int digit = 0;
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if (c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      digit = c - 'A' + 10;
    else
      return std::nullopt;
    value = value << 4 | static_cast<std::uint64_t>(digit);
  }
  return value;
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// Constant time in the content; the length is public (it follows from the algorithm).
bool same_secret(std::string_view expected, std::string_view received) {
  if (expected.size() != received.size()) return false;
  return CRYPTO_memcmp(expected.data(), received.data(), expected.size()) == 0;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

DigestServer::DigestServer(core::Timers& timers, DigestConfig options)
    : timers_(timers), options_(std::move(options)) {}

std::vector<std::string> DigestServer::challenges(bool stale) const {
  const std::string nonce = mint_.issue(timers_.now());
  std::vector<std::string> out;
  out.reserve(options_.algorithms.size());
  for (Algorithm algorithm : options_.algorithms) {
    Challenge c;
    c.realm = options_.realm;
    c.nonce = nonce;
    c.opaque = mint_.opaque();
    c.algorithm = std::string(algorithm_name(algorithm));
    c.qop = "auth";
    c.stale = stale;
    out.push_back(format_challenge(c));
  }
  return out;
}

bool DigestServer::offered(Algorithm algorithm) const {
  return std::find(options_.algorithms.begin(), options_.algorithms.end(), algorithm) !=
         options_.algorithms.end();
}

Verification DigestServer::verify(std::string_view method, const Credentials& c,
                                  const PasswordLookup& password_of) {
  return verify_keys(method, c, [&](std::string_view user, Algorithm algorithm) {
    std::optional<std::string> password = password_of(user);
    if (!password) return std::optional<std::string>();
    return std::optional<std::string>(digest_key(algorithm, user, options_.realm, *password));
  });
}

Verification DigestServer::verify_keys(std::string_view method, const Credentials& c,
                                       const DigestKeyLookup& key_of) {
  Verification out{Verdict::Invalid, c.username};
  const core::TimePoint now = timers_.now();
  forget_expired(now);

  // 1. The form: everything here is public, so failing early leaks nothing.
  const auto algorithm = parse_algorithm(c.algorithm);
  if (!algorithm || !offered(*algorithm) || c.userhash) return out;
  if (c.realm != options_.realm) return out;
  if (c.username.empty() || c.uri.empty() || c.response.empty() || method.empty()) return out;
  if (!(options_.opaque_optional && c.opaque.empty()) && !same_secret(mint_.opaque(), c.opaque)) {
    out.verdict = Verdict::UnknownNonce;
    return out;
  }
  std::uint64_t nc = 0;
  if (c.qop.empty()) {
    if (!options_.allow_rfc2069 || *algorithm != Algorithm::Md5) return out;
    if (!c.nc.empty() || !c.cnonce.empty()) return out;
  } else {
    const auto parsed = parse_nc(c.nc);
    if (!iequals(c.qop, "auth") || !parsed || *parsed == 0 || c.cnonce.empty()) return out;
    nc = *parsed;
  }
  const auto issued = mint_.issued_at(c.nonce);
  if (!issued || *issued > now) {
    out.verdict = Verdict::UnknownNonce;
    return out;
  }

  // 2. The secret: the same work for every user name, known or not.
  const Algorithm base = (*algorithm == Algorithm::Sha256 || *algorithm == Algorithm::Sha256Sess)
                             ? Algorithm::Sha256
                             : Algorithm::Md5;
  std::optional<std::string> key = key_of(c.username, base);
  const bool known = key && key->size() == hex_hash(base, "").size();
  const std::string ha1 =
      known ? lowercase(*key) : digest_key(base, c.username, c.realm, kDummyPassword);
  const std::string expected = compute_response({
      .algorithm = *algorithm,
      .username = c.username,
      .realm = c.realm,
      .password = {},
      .method = method,
      .uri = c.uri,
      .nonce = c.nonce,
      .nc = c.nc,
      .cnonce = c.cnonce,
      .qop = c.qop,
      .ha1 = ha1,
  });
  const bool matches = same_secret(expected, lowercase(c.response));
  if (!known || !matches) return out;

  // 3. Freshness: only a correct answer learns that its nonce is stale (RFC 7616 §3.3).
  if (now - *issued > options_.nonce_lifetime) {
    out.verdict = Verdict::Stale;
    return out;
  }
  if (forgotten_up_to_ && *issued <= *forgotten_up_to_ && !used_.contains(c.nonce)) {
    out.verdict = Verdict::Stale;
    return out;
  }
  out.verdict = record_use(c.nonce, *issued, nc);
  return out;
}

void DigestServer::forget_expired(core::TimePoint now) {
  while (!by_issue_.empty() && now - by_issue_.begin()->first > options_.nonce_lifetime) {
    used_.erase(by_issue_.begin()->second);
    by_issue_.erase(by_issue_.begin());
  }
}

Verdict DigestServer::record_use(const std::string& nonce, core::TimePoint issued,
                                 std::uint64_t nc) {
  if (auto it = used_.find(nonce); it != used_.end()) {
    if (nc <= it->second) return Verdict::Replay;
    it->second = nc;
    return Verdict::Ok;
  }
  // Full: drop the oldest and remember how far back the history is now incomplete.
  while (!by_issue_.empty() &&
         used_.size() >= std::max<std::size_t>(options_.max_tracked_nonces, 1)) {
    auto oldest = by_issue_.begin();
    forgotten_up_to_ = std::max(forgotten_up_to_.value_or(oldest->first), oldest->first);
    used_.erase(oldest->second);
    by_issue_.erase(oldest);
  }
  used_.emplace(nonce, nc);
  by_issue_.emplace(issued, nonce);
  return Verdict::Ok;
}

}  // namespace vto::sip::auth
