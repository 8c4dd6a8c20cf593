// Framing of SIP messages on stream transports (RFC 3261 §18.3, RFC 5626 §4.4.1).
#include <cstring>

#include "sip/message/message.h"
#include "sip/message/text.h"

namespace vto::sip {
namespace {

// Index just past the empty line ending the header section, or npos.
std::size_t header_end(std::string_view buf) {
  std::size_t from = 0;
  while (from < buf.size()) {
    const std::size_t nl = buf.find('\n', from);
    if (nl == std::string_view::npos) return std::string_view::npos;
    std::size_t i = nl + 1;
    if (i < buf.size() && buf[i] == '\r') ++i;
    if (i < buf.size() && buf[i] == '\n') return i + 1;
    if (i >= buf.size()) return std::string_view::npos;
    from = nl + 1;
  }
  return std::string_view::npos;
}

// The Content-Length of a header section (folded values are not expected here).
Result<std::size_t> content_length(std::string_view headers, std::size_t max) {
  std::optional<std::size_t> found;
  std::size_t pos = headers.find('\n');  // skip the start line
  while (pos != std::string_view::npos && pos + 1 < headers.size()) {
    const std::size_t begin = pos + 1;
    pos = headers.find('\n', begin);
    const std::string_view line =
        headers.substr(begin, (pos == std::string_view::npos ? headers.size() : pos) - begin);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const HeaderId id = header_id(text::trim(line.substr(0, colon)));
    if (id != HeaderId::ContentLength) continue;
    auto n = parse_uint(line.substr(colon + 1), 0xffffffffu);
    if (!n) return make_error("Malformed Content-Length Header", 400);
    if (*n > max) return make_error("Message Too Large", 513);
    if (found && *found != *n) return make_error("Duplicate Content-Length Header", 400);
    found = *n;
  }
  if (!found) return make_error("Missing Content-Length Header", 400);
  return *found;
}

}  // namespace

void StreamFramer::feed(std::string_view bytes) {
  buffer_.append(bytes);
}

bool StreamFramer::pong_requested() {
  const bool p = ping_;
  ping_ = false;
  return p;
}

std::optional<Result<std::string>> StreamFramer::next() {
  // CRLF keep-alives between messages; a double CRLF is a ping that wants a pong.
  std::size_t run = 0;
  while (run < buffer_.size() && (buffer_[run] == '\r' || buffer_[run] == '\n')) ++run;
  if (run > 0) {
    const bool ping =
        std::string_view(buffer_).substr(0, run).find("\r\n\r\n") != std::string_view::npos;
    if (ping) {
      ping_ = true;
      buffer_.erase(0, run);
    } else if (run < buffer_.size()) {
      buffer_.erase(0, run);  // a lone CRLF before a message
    } else {
      // Only CR/LF so far: keep a short tail, the rest of a ping may still come.
      if (run > 3) buffer_.erase(0, run - 3);
      return std::nullopt;
    }
  }
  if (buffer_.empty()) return std::nullopt;

  const std::string_view buf(buffer_);
  const std::size_t end = header_end(buf);
  if (end == std::string_view::npos) {
    if (buf.size() > limits_.max_message) {
      return Result<std::string>(make_error("Message Too Large", 513));
    }
    return std::nullopt;
  }
  auto length = content_length(buf.substr(0, end), limits_.max_message);
  if (!length) return Result<std::string>(length.error());
  const std::size_t total = end + *length;
  if (total > limits_.max_message) return Result<std::string>(make_error("Message Too Large", 513));
  if (buf.size() < total) return std::nullopt;
  std::string message = buffer_.substr(0, total);
  buffer_.erase(0, total);
  return Result<std::string>(std::move(message));
}

}  // namespace vto::sip
