#include "sip/auth/digest_client.h"

#include <cstdio>

#include "sip/auth/digest_nonce.h"

namespace vto::sip::auth {

namespace {

// Our own user name and password go into a header: no line breaks or controls.
bool header_safe(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

std::string format_nc(std::uint32_t nc) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", nc);
  return buf;
}

}  // namespace

std::optional<DigestClient::Cached> DigestClient::accept(std::string_view challenge_value) {
  auto challenge = parse_challenge(challenge_value);
  if (!challenge) return std::nullopt;
  auto algorithm = parse_algorithm(challenge->algorithm);
  if (!algorithm) return std::nullopt;
  Cached cached;
  cached.algorithm = *algorithm;
  if (!challenge->qop.empty()) {
    if (!qop_offers(challenge->qop, "auth")) return std::nullopt;  // auth-int only
    cached.use_qop = true;
  }
  // RFC 2069 servers (no qop) cannot take -sess: it needs a cnonce.
  if (!cached.use_qop && is_session(*algorithm)) return std::nullopt;
  cached.challenge = std::move(*challenge);
  cached.cnonce = random_hex(16);
  return cached;
}

std::optional<std::string> DigestClient::answer(std::string_view challenge, std::string_view method,
                                                std::string_view uri, std::string_view user,
                                                std::string_view password) {
  auto accepted = accept(challenge);
  if (!accepted) return std::nullopt;
  cached_ = std::move(*accepted);
  return respond(method, uri, user, password);
}

std::optional<std::string> DigestClient::answer_best(std::span<const std::string> challenges,
                                                     std::string_view method, std::string_view uri,
                                                     std::string_view user,
                                                     std::string_view password) {
  std::optional<Cached> best;
  for (const std::string& value : challenges) {
    auto accepted = accept(value);
    if (accepted &&
        (!best || algorithm_strength(accepted->algorithm) > algorithm_strength(best->algorithm)))
      best = std::move(accepted);
  }
  if (!best) return std::nullopt;
  cached_ = std::move(best);
  return respond(method, uri, user, password);
}

std::optional<std::string> DigestClient::authorization(std::string_view method,
                                                       std::string_view uri, std::string_view user,
                                                       std::string_view password) {
  if (!cached_) return std::nullopt;
  return respond(method, uri, user, password);
}

std::optional<std::string> DigestClient::respond(std::string_view method, std::string_view uri,
                                                 std::string_view user, std::string_view password) {
  if (!header_safe(user) || !header_safe(uri) || !header_safe(method)) return std::nullopt;
  Cached& cached = *cached_;
  if (cached.nc == UINT32_MAX) return std::nullopt;  // nonce worn out: wait for a new one
  ++cached.nc;

  Credentials c;
  c.username = std::string(user);
  c.realm = cached.challenge.realm;
  c.nonce = cached.challenge.nonce;
  c.uri = std::string(uri);
  // Echoed when the server named one; old servers that did not may not expect it.
  if (!cached.challenge.algorithm.empty())
    c.algorithm = std::string(algorithm_name(cached.algorithm));
  c.opaque = cached.challenge.opaque;
  if (cached.use_qop) {
    c.qop = "auth";
    c.nc = format_nc(cached.nc);
    c.cnonce = cached.cnonce;
  }
  c.response = compute_response({
      .algorithm = cached.algorithm,
      .username = c.username,
      .realm = c.realm,
      .password = password,
      .method = method,
      .uri = c.uri,
      .nonce = c.nonce,
      .nc = c.nc,
      .cnonce = c.cnonce,
      .qop = c.qop,
  });
  std::string header = format_credentials(c);
  // Escaping can grow echoed values past what a server (ours included) accepts.
  if (header.size() > kMaxDigestHeaderSize) return std::nullopt;
  return header;
}

}  // namespace vto::sip::auth
