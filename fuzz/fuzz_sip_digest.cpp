// libFuzzer target for SIP digest authentication: the header parsers
// (parse_credentials, parse_challenge), the client answering whatever challenge
// it is given, and the server verifying whatever credentials parse — once as
// sent, then with a genuine nonce and opaque swapped in and the response
// recomputed, so the hashing, expiry and replay paths are reached too.
// Seeds: tests/data/digest/.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/timers.h"
#include "sip/auth/digest_client.h"
#include "sip/auth/digest_hash.h"
#include "sip/auth/digest_header.h"
#include "sip/auth/digest_server.h"

namespace {

using vto::sip::auth::Verdict;

struct Fixture {
  vto::core::ManualTimers timers;
  vto::sip::auth::DigestServer server{timers, [] {
                                        vto::sip::auth::DigestConfig o;
                                        o.max_tracked_nonces = 64;
                                        o.allow_rfc2069 = true;
                                        return o;
                                      }()};
};

std::optional<std::string> password_of(std::string_view user) {
  if (user == "101#0") return std::string("secret");
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture f;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto challenge = vto::sip::auth::parse_challenge(text); challenge.ok()) {
    (void)vto::sip::auth::format_challenge(*challenge);
  }
  vto::sip::auth::DigestClient client;
  if (auto answer = client.answer(text, "REGISTER", "sip:VDP", "101#0", "secret")) {
    // What we send must parse back.
    if (!vto::sip::auth::parse_credentials(*answer).ok()) __builtin_trap();
    (void)client.authorization("REGISTER", "sip:VDP", "101#0", "secret");
  }

  auto credentials = vto::sip::auth::parse_credentials(text);
  if (!credentials.ok()) return 0;
  (void)vto::sip::auth::format_credentials(*credentials);
  auto first = f.server.verify("REGISTER", *credentials, password_of);
  // Without a nonce of ours nothing may get in.
  if (first.verdict == Verdict::Ok) __builtin_trap();

  auto genuine = vto::sip::auth::parse_challenge(f.server.challenges(false).front());
  if (!genuine.ok()) __builtin_trap();
  credentials->nonce = genuine->nonce;
  credentials->opaque = genuine->opaque;
  (void)f.server.verify("INVITE", *credentials, password_of);
  // And answered correctly, as the real user would, to reach expiry and replay.
  if (auto algorithm = vto::sip::auth::parse_algorithm(credentials->algorithm)) {
    credentials->response = vto::sip::auth::compute_response({
        .algorithm = *algorithm,
        .username = credentials->username,
        .realm = credentials->realm,
        .password = "secret",
        .method = "INVITE",
        .uri = credentials->uri,
        .nonce = credentials->nonce,
        .nc = credentials->nc,
        .cnonce = credentials->cnonce,
        .qop = credentials->qop,
    });
    (void)f.server.verify("INVITE", *credentials, password_of);
    (void)f.server.verify("INVITE", *credentials, password_of);
  }
  if (size > 0) f.timers.advance(std::chrono::seconds(data[0] % 8));
  return 0;
}
