// SDP offer/answer (RFC 3264) for a door station: answer a peer's offer with one audio
// stream (PCMU, PCMA or opus, plus RFC 4733 telephone-event) and one H.264 video stream,
// and build our own offers. Pure functions over sdp.h; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "media/sdp.h"
#include "media/sdp_crypto.h"

namespace vto::media {

// What this station can do. Answers follow the offer's codec order (RFC 3264 §6.1: the
// answerer should prefer the offerer's order); offers list audio_codecs in this order.
struct Capabilities {
  std::vector<Codec> audio_codecs;     // their payload types are the ones we offer
  bool telephone_event = true;         // RFC 4733 DTMF, offered and accepted
  int telephone_event_type = 101;      // telephone-event/8000
  int telephone_event_type_48k = 110;  // telephone-event/48000, offered with opus
  Direction audio_direction = Direction::SendRecv;
  std::optional<Codec> video_codec;  // H264/90000 with packetization-mode=1; none: no video
  Direction video_direction = Direction::SendOnly;  // a door station shows its camera

  // PCMU, PCMA, opus/48000/2; H.264 constrained baseline sent, not received.
  static Capabilities door_station();
  // An indoor monitor: PCMU, PCMA, opus and DTMF both ways; the door's H.264 shown, not sent.
  static Capabilities monitor();
};

// SRTP in one call. Keys are written and read only when the signalling that carries this
// SDP is encrypted (TLS): over UDP or TCP the call is plain, or refused when SRTP is required.
//   offers:  usable() → RTP/SAVP with an a=crypto per stream; otherwise RTP/AVP without keys
//            (and nothing at all under Required).
//   answers: RTP/SAVP with a usable a=crypto → accepted encrypted when usable(), else declined;
//            RTP/AVP with a usable a=crypto → encrypted when usable() (best-effort SRTP, as
//            phones send it when SRTP is optional for them), else plain;
//            RTP/AVP without keys → plain, declined under Required.
struct SrtpSetup {
  SrtpPolicy policy = SrtpPolicy::Off;
  bool signalling_encrypted = false;
  MasterKey audio_key{}, video_key{};  // ours (what we send with), fresh for each call
  bool usable() const { return policy != SrtpPolicy::Off && signalling_encrypted; }
};

// Where our media is received; the session id/version go into o=.
struct LocalEndpoint {
  std::string address;  // numeric IPv4 or IPv6
  std::uint16_t audio_port = 0;
  std::uint16_t video_port = 0;
  std::uint64_t session_id = 0;
  std::uint64_t session_version = 0;
  SrtpSetup srtp;
};

// An encrypted stream's keys: `send` ours, `receive` the peer's, both of one suite.
struct SrtpKeys {
  SrtpSuite suite = SrtpSuite::AesCm128HmacSha1_80;
  MasterKey send{}, receive{};
};

// One accepted stream, as the media layer needs it to set its pipelines up.
struct NegotiatedStream {
  std::size_t index = 0;  // m-line position in the offer and the answer
  Codec codec;            // with the offer's payload type and fmtp
  std::optional<Codec> telephone_event;
  Direction direction = Direction::SendRecv;  // ours, as written in the answer
  Connection remote;
  std::uint16_t remote_port = 0;
  std::optional<SrtpKeys> srtp;  // nullopt: plain RTP
};

struct Answer {
  SessionDescription sdp;  // to send back: same m-line count and order as the offer
  std::optional<NegotiatedStream> audio;
  std::optional<NegotiatedStream> video;
};

// The SRTP of one offered m-line under `setup`: `acceptable` false when it must be declined;
// `keys` set when it is encrypted (our key `ours` and the first usable one offered).
struct SrtpChoice {
  bool acceptable = false;
  std::optional<SrtpKeys> keys;
  int tag = 1;  // the offer's a=crypto tag, echoed in the answer
};
SrtpChoice choose_srtp(const MediaDescription& offered, const SrtpSetup& setup,
                       const MasterKey& ours);

// RFC 3264 §6.1: the peer's sendonly is our recvonly and so on, then narrowed to what we
// can do in that direction.
Direction answer_direction(Direction offered, Direction local);

// Errors carry code 488 (Not Acceptable Here) when no stream can be accepted (SRTP rules
// included) and 400 when the local endpoint is unusable.
Result<Answer> negotiate(const SessionDescription& offer, const Capabilities& capabilities,
                         const LocalEndpoint& local);

// 400 when nothing can be offered, 488 when SRTP is required and the signalling is not TLS.
Result<SessionDescription> make_offer(const Capabilities& capabilities, const LocalEndpoint& local);

}  // namespace vto::media
