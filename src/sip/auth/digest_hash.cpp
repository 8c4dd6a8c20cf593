#include "sip/auth/digest_hash.h"

#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <stdexcept>

#include "core/text.h"

namespace vto::sip::auth {

namespace {

using core::ascii_iequals;

const EVP_MD* evp_of(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::Md5:
    case Algorithm::Md5Sess:
      return EVP_md5();
    case Algorithm::Sha256:
    case Algorithm::Sha256Sess:
      return EVP_sha256();
  }
  return EVP_sha256();
}

std::string join(std::initializer_list<std::string_view> parts) {
  std::string out;
  std::size_t size = parts.size();
  for (auto p : parts) size += p.size();
  out.reserve(size);
  bool first = true;
  for (auto p : parts) {
    if (!first) out += ':';
    out += p;
    first = false;
  }
  return out;
}

}  // namespace

std::optional<Algorithm> parse_algorithm(std::string_view name) {
  if (name.empty() || ascii_iequals(name, "MD5")) return Algorithm::Md5;
  if (ascii_iequals(name, "MD5-sess")) return Algorithm::Md5Sess;
  if (ascii_iequals(name, "SHA-256")) return Algorithm::Sha256;
  if (ascii_iequals(name, "SHA-256-sess")) return Algorithm::Sha256Sess;
  return std::nullopt;
}

std::string_view algorithm_name(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::Md5:
      return "MD5";
    case Algorithm::Md5Sess:
      return "MD5-sess";
    case Algorithm::Sha256:
      return "SHA-256";
    case Algorithm::Sha256Sess:
      return "SHA-256-sess";
  }
  return "MD5";
}

bool is_session(Algorithm algorithm) {
  return algorithm == Algorithm::Md5Sess || algorithm == Algorithm::Sha256Sess;
}

int algorithm_strength(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::Md5:
      return 1;
    case Algorithm::Md5Sess:
      return 2;
    case Algorithm::Sha256:
      return 3;
    case Algorithm::Sha256Sess:
      return 4;
  }
  return 0;
}

std::string hex_hash(Algorithm algorithm, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  // Only fails when OpenSSL is broken (e.g. MD5 disabled by a FIPS policy): a
  // deployment error, not bad input.
  if (EVP_Digest(data.data(), data.size(), md.data(), &len, evp_of(algorithm), nullptr) != 1)
    throw std::runtime_error("EVP_Digest failed for " + std::string(algorithm_name(algorithm)));
  return core::hex(std::span(md.data(), len));
}

std::string digest_key(Algorithm algorithm, std::string_view username, std::string_view realm,
                       std::string_view password) {
  return hex_hash(algorithm, join({username, realm, password}));
}

std::string compute_response(const ResponseInput& in) {
  std::string ha1 = in.ha1.empty()
                        ? hex_hash(in.algorithm, join({in.username, in.realm, in.password}))
                        : std::string(in.ha1);
  if (is_session(in.algorithm)) ha1 = hex_hash(in.algorithm, join({ha1, in.nonce, in.cnonce}));
  const std::string ha2 = hex_hash(in.algorithm, join({in.method, in.uri}));
  if (in.qop.empty()) return hex_hash(in.algorithm, join({ha1, in.nonce, ha2}));
  return hex_hash(in.algorithm, join({ha1, in.nonce, in.nc, in.cnonce, in.qop, ha2}));
}

}  // namespace vto::sip::auth
