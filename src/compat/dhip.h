// The framing of the device family's port-5000 protocol ("DHIP"): a 32-byte little-endian
// header, then a JSON body.
//   0  4  20 00 00 00
//   4  4  "DHIP"
//   8  4  session id
//  12  4  request id
//  16  8  body length
//  24  8  body length again
//  32  n  the JSON body
// What the server writes is shaped for the clients' fragile readers (see docs/api.md): the
// body is compact ASCII JSON ending in "\n" (counted in the length), and no byte of the
// header is a '{' right after a 0x00 (one client splits the stream on 0x00 bytes and parses
// every piece that starts with '{'): the body is padded with a space, or the request id
// written as 0, until that holds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace vto::compat {

inline constexpr std::size_t kDhipHeaderSize = 32;
// A request body larger than this closes the connection (a login is ~200 bytes).
inline constexpr std::size_t kDhipMaxBody = 64 * 1024;

struct DhipMessage {
  std::uint32_t session = 0;
  std::uint32_t id = 0;
  std::string body;
};

// Header and body of one message from the server; `json_text` must be one line and no byte
// of `session` a '{' (the server's session ids never hold one): then the header holds no '{'
// after a 0x00.
std::string dhip_encode(std::uint32_t session, std::uint32_t id, std::string json_text);

// Whether `header` (32 bytes or more) has a '{' right after a 0x00 anywhere in it.
bool brace_after_zero(std::string_view header);

// Cuts a byte stream into messages.
class DhipReader {
 public:
  // The messages completed by `bytes`. An error (a header that is not DHIP, two lengths
  // that differ, a body over kDhipMaxBody) leaves the reader failed: close the connection.
  Result<std::vector<DhipMessage>> feed(std::string_view bytes);
  // Bytes held for a message not yet complete.
  std::size_t pending() const { return buffer_.size(); }

 private:
  std::string buffer_;
  bool failed_ = false;
};

}  // namespace vto::compat
