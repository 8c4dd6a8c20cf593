// What the web interface and API parse from a request besides JSON (nlohmann's own):
// query strings, the IP allow-list entries, new passwords through the rules, and the card
// numbers and finger names of the virtual panel, the cards CSV import, and the RTSP paths
// (abspath, then the query after the first '?'). The
// first byte picks the parser; the rest is the input. Nothing may crash, hang or read out
// of bounds, and every answer must be consistent (an entry that parses is matched).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "access/card_csv.h"
#include "accounts/password_rules.h"
#include "api/auth/allow_list.h"
#include "hal/card_reader.h"
#include "hal/sim/sim_fingerprint_reader.h"
#include "media/rtsp_path.h"
#include "web/query.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      for (std::string_view name : {"limit", "offset", "from", "to", "action", "user", "aor"}) {
        auto value = vto::web::query_param(input, name);
        if (value && *value && (*value)->size() > input.size()) __builtin_trap();
      }
      break;
    case 1: {
      std::vector<std::string> entries;
      std::size_t start = 0;
      while (start <= input.size() && entries.size() < 80) {
        const auto end = input.find('\n', start);
        entries.emplace_back(
            input.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos) break;
        start = end + 1;
      }
      auto list = vto::api::AllowList::parse(entries);
      if (list) {
        for (const auto& e : list->entries()) {
          const auto slash = e.find('/');
          (void)list->allows(e.substr(0, slash));
        }
        (void)list->allows(std::string(input));
      }
      break;
    }
    case 2:
      (void)vto::accounts::check_password(input, "admin");
      break;
    case 5: {
      // A path names a mount or nothing, and the mount's own path names itself.
      const auto q = input.find('?');
      const std::string path = vto::media::rtsp_stream_path(
          input.substr(0, q), q == std::string_view::npos ? "" : input.substr(q + 1));
      if (!path.empty() && !path.starts_with("/main") && !path.starts_with("/sub"))
        __builtin_trap();
      if (!path.empty() && vto::media::rtsp_stream_path(path, "") != path) __builtin_trap();
      break;
    }
    case 4: {
      // An import that parses exports and parses again to the same cards.
      auto cards = vto::access::parse_cards_csv(input);
      if (cards) {
        auto again = vto::access::parse_cards_csv(vto::access::cards_csv(*cards));
        if (!again || *again != *cards) __builtin_trap();
      }
      break;
    }
    default: {
      auto card = vto::hal::normalize_card_number(input);
      if (card && (card->size() != input.size() || !vto::hal::normalize_card_number(*card))) {
        __builtin_trap();  // normalising keeps the length and is stable
      }
      vto::hal::sim::SimFingerprintReader reader;
      reader.set_enrolled({{1, vto::hal::sim::sim_template(input)}});
      int matched = 0;
      reader.add_listener([&](const vto::hal::FingerScan& s) { matched += s.match ? 1 : 0; });
      if (reader.touch(input) && matched != 1) __builtin_trap();  // a valid name matches itself
      break;
    }
  }
  return 0;
}
