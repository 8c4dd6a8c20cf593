// SDP (RFC 4566) for what a door station negotiates: one audio and one video RTP stream,
// static and dynamic payload types with a=rtpmap / a=fmtp, direction attributes, declined
// m-lines (port 0). Offer/answer (RFC 3264) is in sdp_negotiate.h. No GStreamer here: the
// fuzz targets link this file alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace vto::media {

enum class Direction { SendRecv, SendOnly, RecvOnly, Inactive };

std::string_view to_string(Direction direction);
std::optional<Direction> parse_direction(std::string_view attribute);
bool sends(Direction direction);
bool receives(Direction direction);
Direction make_direction(bool send, bool receive);

// One RTP payload format of an m-line, with its a=rtpmap resolved (or the RFC 3551 static
// table for payload types without one). An empty name is a dynamic type with no rtpmap.
struct Codec {
  int payload_type = 0;  // 0..127
  std::string name;      // "PCMU", "opus", "H264", "telephone-event"
  std::uint32_t clock_rate = 0;
  std::uint32_t channels = 0;  // 0: not given (means 1 for audio)
  std::string fmtp;            // the text after "a=fmtp:<pt> "

  bool same_format(const Codec& other) const;  // name (any case), rate and channels
  bool operator==(const Codec&) const = default;
};

// "IN IP4 192.0.2.1" (c= and the address part of o=).
struct Connection {
  std::string address_type = "IP4";  // "IP4" or "IP6"
  std::string address;

  bool operator==(const Connection&) const = default;
};

struct MediaDescription {
  std::string media;  // "audio", "video", or any other token, kept as offered
  std::uint16_t port = 0;
  std::uint16_t port_count = 1;
  std::string protocol = "RTP/AVP";
  std::vector<std::string> formats;           // the m-line's format tokens, in order
  std::vector<Codec> codecs;                  // for RTP profiles: one per format, same order
  Direction direction = Direction::SendRecv;  // the session-level one when none is given
  std::optional<Connection> connection;       // media-level c=
  std::vector<std::string> attributes;        // other a= lines, without "a=" ("ptime:20")

  bool declined() const { return port == 0; }
  bool is_rtp() const;  // RTP/AVP, RTP/AVPF, RTP/SAVP, RTP/SAVPF, ...
  const Codec* find_codec(int payload_type) const;
  bool operator==(const MediaDescription&) const = default;
};

struct SessionDescription {
  std::string origin_user = "-";
  std::uint64_t session_id = 0;
  std::uint64_t session_version = 0;
  Connection origin;
  std::string session_name = "-";
  std::optional<Connection> connection;  // session-level c=
  std::vector<MediaDescription> media;

  // The address media `index` is sent to: its own c=, else the session's (nullptr: none).
  const Connection* connection_for(std::size_t index) const;

  // Untrusted input: bounded (size, lines, m-lines), never throws, errors for malformed text.
  static Result<SessionDescription> parse(std::string_view text);
  std::string serialize() const;  // CRLF line ends

  bool operator==(const SessionDescription&) const = default;
};

// Limits applied by parse(); larger input is refused as malformed.
inline constexpr std::size_t kMaxSdpSize = 16 * 1024;
inline constexpr std::size_t kMaxSdpMedia = 16;
inline constexpr std::size_t kMaxSdpFormats = 64;

// "IP4"/"IP6" for a numeric address, nothing for anything else (host names included).
std::optional<std::string> numeric_address_type(std::string_view ip);

}  // namespace vto::media
