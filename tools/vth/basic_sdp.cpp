#include "basic_sdp.h"

#include <sstream>
#include <vector>

namespace vto::vth {

namespace {

std::string header(std::string_view ip, std::uint64_t session_id) {
  const std::string family = ip.find(':') != std::string_view::npos ? "IP6" : "IP4";
  std::string s = "v=0\r\n";
  s += "o=vth " + std::to_string(session_id) + " " + std::to_string(session_id) + " IN " + family +
       " " + std::string(ip) + "\r\n";
  s += "s=OpenVTO\r\n";
  s += "c=IN " + family + " " + std::string(ip) + "\r\n";
  s += "t=0 0\r\n";
  return s;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

}  // namespace

std::string sdp_offer(std::string_view ip, std::uint16_t port, std::uint64_t session_id) {
  std::string s = header(ip, session_id);
  s += "m=audio " + std::to_string(port) + " RTP/AVP 0 8 101\r\n";
  s += "a=rtpmap:0 PCMU/8000\r\n";
  s += "a=rtpmap:8 PCMA/8000\r\n";
  s += "a=rtpmap:101 telephone-event/8000\r\n";
  s += "a=fmtp:101 0-15\r\n";
  s += "a=sendrecv\r\n";
  return s;
}

std::string sdp_answer(std::string_view offer, std::string_view ip, std::uint16_t port,
                       std::uint64_t session_id) {
  std::string s = header(ip, session_id);
  bool audio_taken = false;
  for (const std::string& line : split_lines(offer)) {
    if (line.rfind("m=", 0) != 0) continue;
    std::istringstream words(line.substr(2));
    std::string media, media_port, proto, format;
    words >> media >> media_port >> proto;
    std::vector<std::string> formats;
    while (words >> format) formats.push_back(format);
    if (media.empty() || proto.empty() || formats.empty()) continue;  // not a usable m= line
    std::string chosen;
    if (media == "audio" && !audio_taken && media_port != "0" && proto == "RTP/AVP") {
      for (const std::string& f : formats) {
        if (f == "0" || f == "8") {
          chosen = f;
          break;
        }
      }
    }
    if (chosen.empty()) {
      s += "m=" + media + " 0 " + proto + " " + formats.front() + "\r\n";
      continue;
    }
    audio_taken = true;
    s += "m=audio " + std::to_string(port) + " RTP/AVP " + chosen + "\r\n";
    s += chosen == "0" ? "a=rtpmap:0 PCMU/8000\r\n" : "a=rtpmap:8 PCMA/8000\r\n";
    s += "a=sendrecv\r\n";
  }
  return s;
}

}  // namespace vto::vth
