// libFuzzer target for the URI and header-value parsers: Uri, NameAddr, Via, CSeq,
// Params, unescape and escape_user.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sip/message/headers.h"
#include "sip/message/uri.h"

using namespace vto::sip;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  if (auto uri = Uri::parse(text)) {
    (void)uri->user_unescaped();
    (void)uri->host_port();
    (void)uri->params().get("transport");
    check(uri->text() == text);
    if (uri->is_sip()) check(!uri->host().empty());
  }
  if (auto na = NameAddr::parse(text)) {
    (void)na->tag();
    (void)na->uri.host_port();
    for (const Param& p : na->params.items()) check(!p.name.empty());
  }
  if (auto via = Via::parse(text)) {
    (void)via->branch();
    (void)via->received();
    (void)via->rport();
    check(!via->transport.empty() && !via->sent_by_text.empty());
  }
  if (auto cseq = CSeq::parse(text)) check(cseq->number < 0x80000000u && !cseq->method.empty());
  (void)Params::parse(text);
  (void)parse_uint(text, 65535);
  (void)header_id(text);

  // (An escaped NUL is refused by design, so a raw NUL cannot come back.)
  if (auto plain = unescape(text); plain && plain->find('\0') == std::string::npos) {
    // What escape_user writes, unescape reads back.
    const std::string escaped = escape_user(*plain);
    auto back = unescape(escaped);
    check(back.has_value() && *back == *plain);
  }
  return 0;
}
