#include "media/sdp.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "core/text.h"

namespace vto::media {
namespace {

constexpr int kSdpErrorCode = 400;  // a malformed body makes the whole request bad

Error sdp_error(std::string message) {
  return make_error("sdp: " + std::move(message), kSdpErrorCode);
}

struct StaticType {
  int payload_type;
  std::string_view name;
  std::uint32_t clock_rate;
};
// RFC 3551 §6, the static payload types still met in the wild.
constexpr std::array<StaticType, 10> kStaticTypes{{{0, "PCMU", 8000},
                                                   {3, "GSM", 8000},
                                                   {4, "G723", 8000},
                                                   {8, "PCMA", 8000},
                                                   {9, "G722", 8000},
                                                   {13, "CN", 8000},
                                                   {18, "G729", 8000},
                                                   {26, "JPEG", 90000},
                                                   {31, "H261", 90000},
                                                   {34, "H263", 90000}}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_spaces(std::string_view s, std::size_t max_parts) {
  std::vector<std::string_view> parts;
  while (true) {
    s = trim(s);
    if (s.empty() || parts.size() > max_parts) break;
    const std::size_t end = s.find_first_of(" \t");
    parts.push_back(s.substr(0, end));
    if (end == std::string_view::npos) break;
    s.remove_prefix(end);
  }
  return parts;
}

template <class T>
std::optional<T> parse_number(std::string_view s, T max) {
  T value{};
  if (s.empty() || s.size() > 20 || s.front() < '0' || s.front() > '9') return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || value > max) return std::nullopt;
  return value;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (c <= ' ' || c == 0x7f || c == '/') return false;
  }
  return true;
}

Result<Connection> parse_connection(std::string_view value) {
  const auto parts = split_spaces(value, 3);
  if (parts.size() != 3 || parts[0] != "IN" || (parts[1] != "IP4" && parts[1] != "IP6")) {
    return sdp_error("bad address: " + std::string(value.substr(0, 64)));
  }
  for (const char c : parts[2]) {
    if (c <= ' ' || c == 0x7f) return sdp_error("bad address");
  }
  return Connection{std::string(parts[1]), std::string(parts[2])};
}

Result<void> parse_origin(std::string_view value, SessionDescription& sdp) {
  const auto parts = split_spaces(value, 6);
  if (parts.size() != 6) return sdp_error("bad o= line");
  const auto id = parse_number<std::uint64_t>(parts[1], UINT64_MAX);
  const auto version = parse_number<std::uint64_t>(parts[2], UINT64_MAX);
  if (!id || !version) return sdp_error("bad o= session id or version");
  auto origin = parse_connection(std::string(parts[3]) + " " + std::string(parts[4]) + " " +
                                 std::string(parts[5]));
  if (!origin) return origin.error();
  sdp.origin_user = std::string(parts[0]);
  sdp.session_id = *id;
  sdp.session_version = *version;
  sdp.origin = std::move(*origin);
  return {};
}

Result<MediaDescription> parse_media_line(std::string_view value) {
  const auto parts = split_spaces(value, 3 + kMaxSdpFormats);
  if (parts.size() < 4) return sdp_error("bad m= line");
  if (parts.size() > 3 + kMaxSdpFormats) return sdp_error("too many formats");
  MediaDescription m;
  if (!is_token(parts[0])) return sdp_error("bad media type");
  m.media = std::string(parts[0]);
  std::string_view port = parts[1];
  if (const auto slash = port.find('/'); slash != std::string_view::npos) {
    const auto count = parse_number<std::uint16_t>(port.substr(slash + 1), 65535);
    if (!count || *count == 0) return sdp_error("bad port count");
    m.port_count = *count;
    port = port.substr(0, slash);
  }
  const auto number = parse_number<std::uint16_t>(port, 65535);
  if (!number) return sdp_error("bad port");
  m.port = *number;
  for (const char c : parts[2]) {
    if (c <= ' ' || c == 0x7f) return sdp_error("bad protocol");
  }
  m.protocol = std::string(parts[2]);
  for (std::size_t i = 3; i < parts.size(); ++i) m.formats.emplace_back(parts[i]);
  if (m.is_rtp()) {
    for (const auto& format : m.formats) {
      const auto pt = parse_number<int>(format, 127);
      if (!pt) return sdp_error("bad RTP payload type");
      Codec codec;
      codec.payload_type = *pt;
      for (const auto& st : kStaticTypes) {
        if (st.payload_type == *pt) {
          codec.name = std::string(st.name);
          codec.clock_rate = st.clock_rate;
        }
      }
      m.codecs.push_back(std::move(codec));
    }
  }
  return m;
}

// "96 H264/90000" or "111 opus/48000/2"
Result<void> apply_rtpmap(std::string_view value, MediaDescription& m) {
  const std::size_t space = value.find_first_of(" \t");
  if (space == std::string_view::npos) return sdp_error("bad rtpmap");
  const auto pt = parse_number<int>(value.substr(0, space), 127);
  const std::string_view encoding = trim(value.substr(space));
  const std::size_t slash = encoding.find('/');
  if (!pt || slash == std::string_view::npos) return sdp_error("bad rtpmap");
  const std::string_view name = encoding.substr(0, slash);
  std::string_view rest = encoding.substr(slash + 1);
  std::optional<std::uint32_t> channels = 0;
  if (const auto slash2 = rest.find('/'); slash2 != std::string_view::npos) {
    channels = parse_number<std::uint32_t>(rest.substr(slash2 + 1), 255);
    rest = rest.substr(0, slash2);
  }
  const auto rate = parse_number<std::uint32_t>(rest, 10'000'000);
  if (!is_token(name) || !rate || *rate == 0 || !channels) return sdp_error("bad rtpmap");
  for (auto& codec : m.codecs) {
    if (codec.payload_type == *pt) {
      codec.name = std::string(name);
      codec.clock_rate = *rate;
      codec.channels = *channels;
    }
  }
  return {};  // an rtpmap for a type the m-line does not list is ignored
}

Result<void> apply_fmtp(std::string_view value, MediaDescription& m) {
  const std::size_t space = value.find_first_of(" \t");
  const auto pt = parse_number<int>(value.substr(0, space), 127);
  if (!pt) return sdp_error("bad fmtp");
  const std::string_view params =
      space == std::string_view::npos ? std::string_view{} : trim(value.substr(space));
  for (auto& codec : m.codecs) {
    if (codec.payload_type == *pt) codec.fmtp = std::string(params);
  }
  return {};
}

// A direction attribute seen at session or media level (a plain pair rather than an
// optional: GCC 12 at -O2 gives a false maybe-uninitialized warning on the optional).
struct DirectionSlot {
  Direction value = Direction::SendRecv;
  bool set = false;
};

Result<void> parse_attribute(std::string_view value, MediaDescription* m,
                             DirectionSlot& session_direction, DirectionSlot& media_direction) {
  if (value.empty()) return {};
  if (const auto direction = parse_direction(value)) {
    DirectionSlot& slot = m ? media_direction : session_direction;
    slot.value = *direction;
    slot.set = true;
    return {};
  }
  if (!m) return {};  // other session-level attributes do not concern us
  if (value.starts_with("rtpmap:")) {
    return m->is_rtp() ? apply_rtpmap(value.substr(7), *m) : Result<void>{};
  }
  if (value.starts_with("fmtp:")) {
    return m->is_rtp() ? apply_fmtp(value.substr(5), *m) : Result<void>{};
  }
  m->attributes.emplace_back(value);
  return {};
}

void write_connection(std::string& out, const Connection& c) {
  out += "IN ";
  out += c.address_type;
  out += ' ';
  out += c.address;
}

}  // namespace

std::string_view to_string(Direction direction) {
  switch (direction) {
    case Direction::SendRecv:
      return "sendrecv";
    case Direction::SendOnly:
      return "sendonly";
    case Direction::RecvOnly:
      return "recvonly";
    case Direction::Inactive:
      return "inactive";
  }
  return "sendrecv";
}

std::optional<Direction> parse_direction(std::string_view attribute) {
  for (const auto d :
       {Direction::SendRecv, Direction::SendOnly, Direction::RecvOnly, Direction::Inactive}) {
    if (attribute == to_string(d)) return d;
  }
  return std::nullopt;
}

bool sends(Direction d) {
  return d == Direction::SendRecv || d == Direction::SendOnly;
}
bool receives(Direction d) {
  return d == Direction::SendRecv || d == Direction::RecvOnly;
}

Direction make_direction(bool send, bool receive) {
  if (send) return receive ? Direction::SendRecv : Direction::SendOnly;
  return receive ? Direction::RecvOnly : Direction::Inactive;
}

bool Codec::same_format(const Codec& other) const {
  return core::ascii_iequals(name, other.name) && clock_rate == other.clock_rate &&
         std::max(channels, 1u) == std::max(other.channels, 1u);
}

bool MediaDescription::is_rtp() const {
  return protocol.starts_with("RTP/");
}

const Codec* MediaDescription::find_codec(int payload_type) const {
  for (const auto& codec : codecs) {
    if (codec.payload_type == payload_type) return &codec;
  }
  return nullptr;
}

const Connection* SessionDescription::connection_for(std::size_t index) const {
  if (index < media.size() && media[index].connection) return &*media[index].connection;
  return connection ? &*connection : nullptr;
}

Result<SessionDescription> SessionDescription::parse(std::string_view text) {
  if (text.size() > kMaxSdpSize) return sdp_error("too large");
  SessionDescription sdp;
  DirectionSlot session_direction;
  DirectionSlot media_direction;
  bool seen_version = false, seen_origin = false;
  auto finish_media = [&] {
    if (sdp.media.empty()) return;
    sdp.media.back().direction = media_direction.set     ? media_direction.value
                                 : session_direction.set ? session_direction.value
                                                         : Direction::SendRecv;
    media_direction = {};
  };
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = trim(line);
    if (line.empty()) continue;  // tolerated: some stacks end the body with a blank line
    for (const char c : line) {
      if ((static_cast<unsigned char>(c) < ' ' && c != '\t') || c == 0x7f) {
        return sdp_error("control character");
      }
    }
    if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') {
      return sdp_error("bad line: " + std::string(line.substr(0, 64)));
    }
    const std::string_view value = trim(line.substr(2));
    if (!seen_version) {
      if (line[0] != 'v' || value != "0") return sdp_error("must start with v=0");
      seen_version = true;
      continue;
    }
    MediaDescription* m = sdp.media.empty() ? nullptr : &sdp.media.back();
    switch (line[0]) {
      case 'o': {
        if (seen_origin || m) return sdp_error("misplaced o= line");
        if (auto r = parse_origin(value, sdp); !r) return r.error();
        seen_origin = true;
        break;
      }
      case 's':
        if (!m) sdp.session_name = std::string(value);
        break;
      case 'c': {
        auto c = parse_connection(value);
        if (!c) return c.error();
        (m ? m->connection : sdp.connection) = std::move(*c);
        break;
      }
      case 'm': {
        if (sdp.media.size() == kMaxSdpMedia) return sdp_error("too many m= lines");
        auto media = parse_media_line(value);
        if (!media) return media.error();
        finish_media();
        sdp.media.push_back(std::move(*media));
        break;
      }
      case 'a':
        if (auto r = parse_attribute(value, m, session_direction, media_direction); !r) {
          return r.error();
        }
        break;
      default:
        break;  // i, u, e, p, b, t, r, z, k: not needed by a door station
    }
  }
  finish_media();
  if (!seen_version) return sdp_error("empty");
  if (!seen_origin) return sdp_error("missing o= line");
  for (std::size_t i = 0; i < sdp.media.size(); ++i) {
    if (!sdp.media[i].declined() && !sdp.connection_for(i)) {
      return sdp_error("m= line without c= address");
    }
  }
  return sdp;
}

std::string SessionDescription::serialize() const {
  std::string out = "v=0\r\no=";
  out += origin_user + ' ' + std::to_string(session_id) + ' ' + std::to_string(session_version);
  out += ' ';
  write_connection(out, origin);
  out += "\r\ns=" + (session_name.empty() ? std::string("-") : session_name) + "\r\n";
  if (connection) {
    out += "c=";
    write_connection(out, *connection);
    out += "\r\n";
  }
  out += "t=0 0\r\n";
  for (const auto& m : media) {
    out += "m=" + m.media + ' ' + std::to_string(m.port);
    if (m.port_count > 1) out += '/' + std::to_string(m.port_count);
    out += ' ' + m.protocol;
    for (const auto& f : m.formats) out += ' ' + f;
    out += "\r\n";
    if (m.declined()) continue;  // a refused stream is its m-line alone
    if (m.connection) {
      out += "c=";
      write_connection(out, *m.connection);
      out += "\r\n";
    }
    for (const auto& codec : m.codecs) {
      if (!codec.name.empty()) {
        out += "a=rtpmap:" + std::to_string(codec.payload_type) + ' ' + codec.name + '/' +
               std::to_string(codec.clock_rate);
        if (codec.channels != 0) out += '/' + std::to_string(codec.channels);
        out += "\r\n";
      }
      if (!codec.fmtp.empty()) {
        out += "a=fmtp:" + std::to_string(codec.payload_type) + ' ' + codec.fmtp + "\r\n";
      }
    }
    for (const auto& a : m.attributes) out += "a=" + a + "\r\n";
    out += "a=";
    out += to_string(m.direction);
    out += "\r\n";
  }
  return out;
}

std::optional<std::string> numeric_address_type(std::string_view ip) {
  const std::string s(ip);
  unsigned char buffer[16];
  if (inet_pton(AF_INET, s.c_str(), buffer) == 1) return "IP4";
  if (inet_pton(AF_INET6, s.c_str(), buffer) == 1) return "IP6";
  return std::nullopt;
}

}  // namespace vto::media
