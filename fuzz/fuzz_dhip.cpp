// The port-5000 protocol's input: a byte stream cut into DHIP messages (in two reads, at a
// point the input chooses), each body parsed as the server parses it, and what the server
// would write back checked to be framed as its fragile clients need (compat/dhip.h).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "compat/dhip.h"
#include "compat/family_events.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t cut = data[0] % (size);
  const std::string_view all(reinterpret_cast<const char*>(data + 1), size - 1);
  vto::compat::DhipReader reader;
  for (std::string_view part : {all.substr(0, cut), all.substr(std::min(cut, all.size()))}) {
    auto messages = reader.feed(part);
    if (!messages) return 0;
    for (const auto& m : *messages) {
      const nlohmann::json request = nlohmann::json::parse(m.body, nullptr, false);
      if (request.is_discarded()) continue;
      // What the server echoes comes back through safe_json: ASCII, no escapes, one line.
      const std::string out = vto::compat::safe_json(request).dump();
      for (char c : out) {
        if (c == '\\' || c == '\n' || static_cast<unsigned char>(c) >= 0x80) std::abort();
      }
      if (request.is_object() && request.contains("params") && request["params"].is_object() &&
          request["params"].contains("codes") && request["params"]["codes"].is_array()) {
        std::string list;
        for (const auto& c : request["params"]["codes"])
          if (c.is_string()) list += c.get<std::string>() + ",";
        (void)vto::compat::parse_codes(list);
      }
      // A session id as the server makes them: not 0, no byte a '{'.
      std::uint32_t session = m.session | 1;
      for (int i = 0; i < 4; ++i)
        if (((session >> (8 * i)) & 0xFF) == '{') session ^= 1u << (8 * i);
      const std::string framed = vto::compat::dhip_encode(session, m.id, out);
      if (vto::compat::brace_after_zero(std::string_view(framed).substr(0, 32))) std::abort();
      vto::compat::DhipReader back;
      auto again = back.feed(framed);
      if (!again || again->size() != 1 || (*again)[0].body.substr(0, out.size()) != out)
        std::abort();
    }
  }
  return 0;
}
