#include "compat/dhip.h"

#include <cstring>

namespace vto::compat {

namespace {

constexpr char kMagic[8] = {0x20, 0x00, 0x00, 0x00, 'D', 'H', 'I', 'P'};

void put_u32(std::string& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
void put_u64(std::string& out, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
std::uint32_t get_u32(std::string_view in, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}
std::uint64_t get_u64(std::string_view in, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

std::string header(std::uint32_t session, std::uint32_t id, std::uint64_t length) {
  std::string h(kDhipHeaderSize, '\0');
  std::memcpy(h.data(), kMagic, sizeof kMagic);
  put_u32(h, 8, session);
  put_u32(h, 12, id);
  put_u64(h, 16, length);
  put_u64(h, 24, length);
  return h;
}

}  // namespace

bool brace_after_zero(std::string_view h) {
  for (std::size_t i = 1; i < h.size() && i < kDhipHeaderSize; ++i)
    if (h[i] == '{' && h[i - 1] == '\0') return true;
  return false;
}

std::string dhip_encode(std::uint32_t session, std::uint32_t id, std::string json_text) {
  json_text += '\n';
  // The trailing newline and any padding are whitespace after the JSON: every reader skips
  // them.
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string h = header(session, id, json_text.size());
    if (!brace_after_zero(h)) return h + json_text;
    if (brace_after_zero(header(session, 0, json_text.size()))) {
      json_text.back() = ' ';  // the length is to blame: one more space before the newline
      json_text += '\n';
    } else {
      id = 0;  // the request id is: readers match replies by the JSON's id anyway
    }
  }
  return header(session, 0, json_text.size()) + json_text;  // not reached for real sessions
}

Result<std::vector<DhipMessage>> DhipReader::feed(std::string_view bytes) {
  if (failed_) return make_error("the connection already failed", Errc::Invalid);
  buffer_.append(bytes);
  std::vector<DhipMessage> out;
  std::size_t at = 0;
  while (buffer_.size() - at >= kDhipHeaderSize) {
    const std::string_view h(buffer_.data() + at, kDhipHeaderSize);
    if (std::memcmp(h.data(), kMagic, sizeof kMagic) != 0) {
      failed_ = true;
      return make_error("not a DHIP header", Errc::Invalid);
    }
    const std::uint64_t length = get_u64(h, 16);
    if (length != get_u64(h, 24)) {
      failed_ = true;
      return make_error("the header's two lengths differ", Errc::Invalid);
    }
    if (length > kDhipMaxBody) {
      failed_ = true;
      return make_error("message too long", Errc::Invalid);
    }
    if (buffer_.size() - at - kDhipHeaderSize < length) break;
    out.push_back({get_u32(h, 8), get_u32(h, 12),
                   buffer_.substr(at + kDhipHeaderSize, static_cast<std::size_t>(length))});
    at += kDhipHeaderSize + static_cast<std::size_t>(length);
  }
  buffer_.erase(0, at);
  return out;
}

}  // namespace vto::compat
