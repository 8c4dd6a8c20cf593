// libFuzzer target for the SNTP client's reading of an answer: any datagram sent to its
// port. Whatever parses gives a sample or a reason; a sample never has a negative delay.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "station/sntp.h"

using namespace vto::station;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto reply = parse_sntp_reply(std::span<const std::uint8_t>(data, size));
  if (!reply) return 0;
  const std::int64_t sent = 1'796'000'000'000'000'000LL;
  for (const std::uint64_t nonce : {reply->originate, std::uint64_t{42}}) {
    const auto sample = sntp_sample(*reply, nonce, sent, sent + 5'000'000);
    if (sample && sample->delay_ns < 0) std::abort();
    if (sample && reply->originate != nonce) std::abort();
  }
  return 0;
}
