// libFuzzer target for the SDP parser, serializer and offer/answer: whatever parses must
// serialize to text that parses again to the same text, and negotiating must not crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "media/sdp.h"
#include "media/sdp_negotiate.h"

using namespace vto::media;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto sdp = SessionDescription::parse(text);
  if (!sdp) return 0;
  const std::string written = sdp->serialize();
  auto again = SessionDescription::parse(written);
  check(again.ok() && again->serialize() == written && again->media.size() == sdp->media.size());

  LocalEndpoint local{"192.0.2.50", 20000, 20002, 1, 1, {}};
  for (int round = 0; round < 2; ++round) {
    // Plain signalling first, then TLS with SRTP preferred: keys are read and written.
    local.srtp.policy = round == 0 ? SrtpPolicy::Off : SrtpPolicy::Preferred;
    local.srtp.signalling_encrypted = round == 1;
    if (auto answer = negotiate(*sdp, Capabilities::door_station(), local)) {
      check(answer->sdp.media.size() == sdp->media.size());
      check(answer->audio || answer->video);
      const std::string answer_text = answer->sdp.serialize();
      auto parsed_answer = SessionDescription::parse(answer_text);
      check(parsed_answer.ok() && parsed_answer->serialize() == answer_text);
      // Without TLS no key is ever written.
      if (round == 0) {
        for (const auto& m : parsed_answer->media) {
          for (const auto& a : m.attributes) check(!a.starts_with("crypto:"));
          check(m.declined() || m.protocol != "RTP/SAVP");
        }
      }
    }
  }
  for (const auto& m : sdp->media) {
    for (const auto& a : m.attributes) {
      if (!a.starts_with("crypto:")) continue;
      if (auto c = parse_crypto(std::string_view(a).substr(7))) {
        auto again = parse_crypto(std::string_view(to_attribute(*c)).substr(7));
        check(again.ok() && again->key == c->key && again->suite == c->suite);
      }
    }
  }
  return 0;
}
