// Responses built from requests (RFC 3261 §8.2.6), answers to malformed packets, and the
// one table of reason phrases.
#include <cstring>
#include <functional>

#include "sip/message/message.h"
#include "sip/message/text.h"

namespace vto::sip {
namespace {

struct Phrase {
  int status;
  std::string_view text;
};

// RFC 3261 §21 and the extensions that added codes (IANA "SIP Response Codes").
constexpr Phrase kPhrases[] = {
    {100, "Trying"},
    {180, "Ringing"},
    {181, "Call Is Being Forwarded"},
    {182, "Queued"},
    {183, "Session Progress"},
    {199, "Early Dialog Terminated"},
    {200, "OK"},
    {202, "Accepted"},
    {204, "No Notification"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Moved Temporarily"},
    {305, "Use Proxy"},
    {380, "Alternative Service"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Timeout"},
    {410, "Gone"},
    {412, "Conditional Request Failed"},
    {413, "Request Entity Too Large"},
    {414, "Request-URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Unsupported URI Scheme"},
    {417, "Unknown Resource-Priority"},
    {420, "Bad Extension"},
    {421, "Extension Required"},
    {422, "Session Interval Too Small"},
    {423, "Interval Too Brief"},
    {424, "Bad Location Information"},
    {425, "Bad Alert Message"},
    {428, "Use Identity Header"},
    {429, "Provide Referrer Identity"},
    {430, "Flow Failed"},
    {433, "Anonymity Disallowed"},
    {436, "Bad Identity-Info"},
    {437, "Unsupported Certificate"},
    {438, "Invalid Identity Header"},
    {439, "First Hop Lacks Outbound Support"},
    {440, "Max-Breadth Exceeded"},
    {469, "Bad Info Package"},
    {470, "Consent Needed"},
    {480, "Temporarily Unavailable"},
    {481, "Call/Transaction Does Not Exist"},
    {482, "Loop Detected"},
    {483, "Too Many Hops"},
    {484, "Address Incomplete"},
    {485, "Ambiguous"},
    {486, "Busy Here"},
    {487, "Request Terminated"},
    {488, "Not Acceptable Here"},
    {489, "Bad Event"},
    {491, "Request Pending"},
    {493, "Undecipherable"},
    {494, "Security Agreement Required"},
    {500, "Server Internal Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Server Time-out"},
    {505, "Version Not Supported"},
    {513, "Message Too Large"},
    {555, "Push Notification Service Not Supported"},
    {580, "Precondition Failure"},
    {600, "Busy Everywhere"},
    {603, "Decline"},
    {604, "Does Not Exist Anywhere"},
    {606, "Not Acceptable"},
    {607, "Unwanted"},
    {608, "Rejected"},
};

bool has_tag(std::string_view to) {
  auto na = NameAddr::parse(to);
  return na && !na->tag().empty();
}

// Printable text on one line, for a reason phrase that came from elsewhere.
std::string one_line(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s.substr(0, std::min(s.size(), max))) {
    out.push_back(c == '\r' || c == '\n' || c == '\0' ? ' ' : c);
  }
  return out;
}

}  // namespace

std::string_view reason_phrase(int status) {
  for (const Phrase& p : kPhrases) {
    if (p.status == status) return p.text;
  }
  switch (status / 100) {
    case 1:
      return "Session Progress";
    case 2:
      return "OK";
    case 3:
      return "Multiple Choices";
    case 4:
      return "Bad Request";
    case 5:
      return "Server Internal Error";
    case 6:
      return "Busy Everywhere";
    default:
      return "Unknown";
  }
}

Message make_response(const Message& request, int status, std::string_view reason,
                      std::string_view to_tag) {
  Message r = Message::response(status, reason.empty() ? reason_phrase(status) : reason);
  for (const HeaderField& h : request.headers()) {
    switch (h.id) {
      case HeaderId::Via:
      case HeaderId::From:
      case HeaderId::CallId:
      case HeaderId::CSeq:
        r.add_header(h.id, std::string(h.value));
        break;
      case HeaderId::To:
        if (!to_tag.empty() && !has_tag(h.value)) {
          r.add_header(h.id, std::string(h.value) + ";tag=" + std::string(to_tag));
        } else {
          r.add_header(h.id, std::string(h.value));
        }
        break;
      case HeaderId::Timestamp:  // RFC 3261 §8.2.6.1
        if (status == 100) r.add_header(h.id, std::string(h.value));
        break;
      default:
        break;
    }
  }
  return r;
}

std::optional<std::string> reply_to_malformed(std::string_view packet, int status,
                                              std::string_view reason) {
  std::size_t pos = 0;
  while (pos < packet.size() && (packet[pos] == '\r' || packet[pos] == '\n')) ++pos;
  if (packet.size() - pos >= 4 && iequals(packet.substr(pos, 4), "SIP/")) return std::nullopt;
  // Skip the start line, then read header fields loosely: folding joined with spaces.
  const std::size_t first = packet.find('\n', pos);
  if (first == std::string_view::npos) return std::nullopt;
  pos = first + 1;
  std::vector<std::string> vias;
  std::string from, to, call_id, cseq;
  auto line_at = [&](std::size_t p, std::size_t& next) {
    std::size_t nl = packet.find('\n', p);
    next = nl == std::string_view::npos ? packet.size() : nl + 1;
    std::string_view line =
        packet.substr(p, (nl == std::string_view::npos ? packet.size() : nl) - p);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };
  while (pos < packet.size()) {
    std::size_t next = 0;
    std::string_view line = line_at(pos, next);
    if (line.empty()) break;  // end of the headers
    std::string field(line);
    pos = next;
    while (pos < packet.size() && text::is_ws(packet[pos])) {
      field.push_back(' ');
      field.append(line_at(pos, next));
      pos = next;
    }
    const std::size_t colon = field.find(':');
    if (colon == std::string::npos) continue;
    const std::string_view name = text::trim(std::string_view(field).substr(0, colon));
    const std::string_view value = text::trim(std::string_view(field).substr(colon + 1));
    if (value.empty()) continue;
    switch (header_id(name)) {
      case HeaderId::Via:
        vias.emplace_back(value);
        break;
      case HeaderId::From:
        if (from.empty()) from = value;
        break;
      case HeaderId::To:
        if (to.empty()) to = value;
        break;
      case HeaderId::CallId:
        if (call_id.empty()) call_id = value;
        break;
      case HeaderId::CSeq:
        if (cseq.empty()) cseq = value;
        break;
      default:
        break;
    }
  }
  if (vias.empty() || call_id.empty() || cseq.empty()) return std::nullopt;
  // The answer should parse at the sender: only the Via values that parse are kept (all
  // of them when none does), and an unreadable From or To is replaced by an anonymous
  // one (RFC 3323). Call-ID and CSeq are copied as written: the sender matches on them.
  std::vector<std::string> good_vias;
  for (const std::string& v : vias) {
    (void)text::for_each_item(v, [&](std::string_view item) {
      if (Via::parse(item)) good_vias.emplace_back(item);
    });
  }
  if (good_vias.empty()) good_vias = std::move(vias);
  if (from.empty() || !NameAddr::parse(from)) from = "<sip:anonymous@anonymous.invalid>";
  if (to.empty() || !NameAddr::parse(to)) to = "<sip:anonymous@anonymous.invalid>";
  if (status < 300 || status > 699) status = 400;
  std::string out = "SIP/2.0 " + std::to_string(status) + " ";
  out.append(reason.empty() ? std::string(reason_phrase(status)) : one_line(reason, 128));
  out.append("\r\n");
  for (const std::string& v : good_vias) out.append("Via: ").append(v).append("\r\n");
  out.append("From: ").append(from).append("\r\n");
  out.append("To: ").append(to);
  if (!has_tag(to)) {
    // A stateless answer: a tag derived from the packet is stable across retransmissions.
    const std::size_t h = std::hash<std::string_view>{}(packet);
    out.append(";tag=").append(std::to_string(h % 100000000u));
  }
  out.append("\r\n");
  out.append("Call-ID: ").append(call_id).append("\r\n");
  out.append("CSeq: ").append(cseq).append("\r\n");
  out.append("Content-Length: 0\r\n\r\n");
  return out;
}

}  // namespace vto::sip
