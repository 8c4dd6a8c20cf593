// Digest hashing (RFC 7616 §3.4): the algorithms we know (MD5, SHA-256 and their
// -sess variants), their names on the wire, and the response computation.
// Pure functions over OpenSSL EVP; no state, no I/O. Used by the server and the client.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vto::sip::auth {

enum class Algorithm { Md5, Md5Sess, Sha256, Sha256Sess };

// "MD5", "SHA-256-sess", ... (case-insensitive); an absent algorithm parameter
// means MD5 (RFC 7616 §3.3), so "" parses as Md5. Unknown names: nullopt.
std::optional<Algorithm> parse_algorithm(std::string_view name);
std::string_view algorithm_name(Algorithm algorithm);
bool is_session(Algorithm algorithm);
// Preference order when a peer offers several (RFC 8760 §3: SHA-256 before MD5).
int algorithm_strength(Algorithm algorithm);

// Lowercase hex digest of `data` with the algorithm's hash function.
std::string hex_hash(Algorithm algorithm, std::string_view data);

// Everything that goes into a response. Empty qop means the RFC 2069 form
// (no nc, no cnonce).
struct ResponseInput {
  Algorithm algorithm = Algorithm::Md5;
  std::string_view username;
  std::string_view realm;
  std::string_view password;
  std::string_view method;
  std::string_view uri;
  std::string_view nonce;
  std::string_view nc;
  std::string_view cnonce;
  std::string_view qop;
  // H(username:realm:password) known beforehand (a stored digest key): used in place of
  // username, realm and password when not empty.
  std::string_view ha1 = {};
};

// H(username:realm:password) with the algorithm's hash (its non-session form): the digest
// key a server may store instead of the password.
std::string digest_key(Algorithm algorithm, std::string_view username, std::string_view realm,
                       std::string_view password);

// The `response` parameter value (lowercase hex), RFC 7616 §3.4.1.
std::string compute_response(const ResponseInput& in);

}  // namespace vto::sip::auth
