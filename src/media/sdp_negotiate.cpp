#include "media/sdp_negotiate.h"

#include <utility>

#include "core/text.h"

namespace vto::media {
namespace {

constexpr int kNotAcceptableHere = 488;
constexpr int kBadEndpoint = 400;
constexpr std::string_view kAvp = "RTP/AVP";    // AVPF feedback: not used
constexpr std::string_view kSavp = "RTP/SAVP";  // SRTP with SDES keys

// The value of `key` in an fmtp parameter list ("a=1;b=2"), keys compared without case.
std::optional<std::string_view> fmtp_value(std::string_view fmtp, std::string_view key) {
  while (!fmtp.empty()) {
    const std::size_t end = fmtp.find(';');
    std::string_view item = fmtp.substr(0, end);
    fmtp.remove_prefix(end == std::string_view::npos ? fmtp.size() : end + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const std::size_t eq = item.find('=');
    if (eq != std::string_view::npos && core::ascii_iequals(item.substr(0, eq), key)) {
      std::string_view value = item.substr(eq + 1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      return value;
    }
  }
  return std::nullopt;
}

bool is_telephone_event(const Codec& c) {
  return core::ascii_iequals(c.name, "telephone-event");
}

std::optional<Codec> pick_audio(const MediaDescription& offered, const Capabilities& caps) {
  for (const auto& codec : offered.codecs) {
    for (const auto& ours : caps.audio_codecs) {
      if (!codec.same_format(ours)) continue;
      Codec chosen = codec;
      chosen.fmtp = ours.fmtp;  // in an answer, fmtp says what we want to receive
      return chosen;
    }
  }
  return std::nullopt;
}

std::optional<Codec> pick_telephone_event(const MediaDescription& offered,
                                          std::uint32_t clock_rate) {
  const Codec* fallback = nullptr;
  for (const auto& codec : offered.codecs) {
    if (!is_telephone_event(codec)) continue;
    if (codec.clock_rate == clock_rate) return codec;
    if (codec.clock_rate == 8000 && !fallback) fallback = &codec;
  }
  if (fallback) return *fallback;
  return std::nullopt;
}

// RFC 6184: our payloader fragments large NAL units (FU-A), which needs mode 1.
std::optional<Codec> pick_video(const MediaDescription& offered, const Capabilities& caps) {
  if (!caps.video_codec) return std::nullopt;
  for (const auto& codec : offered.codecs) {
    if (codec.same_format(*caps.video_codec) &&
        fmtp_value(codec.fmtp, "packetization-mode") == "1") {
      return codec;
    }
  }
  return std::nullopt;
}

MediaDescription declined_copy(const MediaDescription& offered) {
  MediaDescription m;
  m.media = offered.media;
  m.protocol = offered.protocol;
  m.formats = offered.formats;
  if (m.formats.empty()) m.formats.emplace_back("0");
  return m;
}

MediaDescription accepted(const MediaDescription& offered, std::uint16_t port,
                          const std::vector<Codec>& codecs, Direction direction) {
  MediaDescription m;
  m.media = offered.media;
  m.port = port;
  m.protocol = offered.protocol;
  for (const auto& c : codecs) m.formats.push_back(std::to_string(c.payload_type));
  m.codecs = codecs;
  m.direction = direction;
  return m;
}

}  // namespace

SrtpChoice choose_srtp(const MediaDescription& m, const SrtpSetup& setup, const MasterKey& ours) {
  const auto crypto = first_usable_crypto(m.attributes);
  SrtpChoice choice;
  if (crypto && setup.usable()) {
    choice.acceptable = true;
    choice.keys = SrtpKeys{crypto->suite, ours, crypto->key};
    choice.tag = crypto->tag;
    return choice;
  }
  // RTP/SAVP cannot be answered without keys; plain RTP/AVP is fine unless SRTP is required.
  choice.acceptable = m.protocol == kAvp && setup.policy != SrtpPolicy::Required;
  return choice;
}

namespace {

SessionDescription empty_session(const LocalEndpoint& local, const std::string& address_type) {
  SessionDescription sdp;
  sdp.origin_user = "openvto";
  sdp.session_id = local.session_id;
  sdp.session_version = local.session_version;
  sdp.origin = Connection{address_type, local.address};
  sdp.session_name = "OpenVTO";
  sdp.connection = sdp.origin;
  return sdp;
}

}  // namespace

Capabilities Capabilities::door_station() {
  Capabilities caps;
  caps.audio_codecs = {Codec{0, "PCMU", 8000, 0, ""}, Codec{8, "PCMA", 8000, 0, ""},
                       Codec{111, "opus", 48000, 2, ""}};
  caps.video_codec = Codec{96, "H264", 90000, 0, "packetization-mode=1;profile-level-id=42e01f"};
  return caps;
}

Capabilities Capabilities::monitor() {
  Capabilities caps;
  caps.audio_codecs = {Codec{0, "PCMU", 8000, 0, ""}, Codec{8, "PCMA", 8000, 0, ""},
                       Codec{111, "opus", 48000, 2, ""}};
  caps.video_codec = Codec{96, "H264", 90000, 0, "packetization-mode=1;profile-level-id=42e01f"};
  caps.video_direction = Direction::RecvOnly;
  return caps;
}

Direction answer_direction(Direction offered, Direction local) {
  return make_direction(receives(offered) && sends(local), sends(offered) && receives(local));
}

Result<Answer> negotiate(const SessionDescription& offer, const Capabilities& caps,
                         const LocalEndpoint& local) {
  const auto address_type = numeric_address_type(local.address);
  if (!address_type) return make_error("sdp: local address is not numeric", kBadEndpoint);
  Answer answer;
  answer.sdp = empty_session(local, *address_type);
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    const MediaDescription& m = offer.media[i];
    const bool rtp = m.protocol == kAvp || m.protocol == kSavp;
    const bool usable = !m.declined() && rtp && offer.connection_for(i);
    std::optional<NegotiatedStream> stream;
    std::vector<Codec> codecs;
    const auto with_keys = [](MediaDescription line, const SrtpChoice& srtp) {
      if (srtp.keys) {
        line.attributes.push_back(
            to_attribute(CryptoAttribute{srtp.tag, srtp.keys->suite, srtp.keys->send}));
      }
      return line;
    };
    if (usable && m.media == "audio" && !answer.audio && local.audio_port != 0) {
      const SrtpChoice srtp = choose_srtp(m, local.srtp, local.srtp.audio_key);
      auto codec = srtp.acceptable ? pick_audio(m, caps) : std::nullopt;
      if (codec) {
        stream = NegotiatedStream{i,
                                  *codec,
                                  std::nullopt,
                                  answer_direction(m.direction, caps.audio_direction),
                                  *offer.connection_for(i),
                                  m.port,
                                  srtp.keys};
        codecs.push_back(*codec);
        if (caps.telephone_event) {
          stream->telephone_event = pick_telephone_event(m, codec->clock_rate);
          if (stream->telephone_event) codecs.push_back(*stream->telephone_event);
        }
        answer.sdp.media.push_back(
            with_keys(accepted(m, local.audio_port, codecs, stream->direction), srtp));
        answer.audio = std::move(stream);
        continue;
      }
    }
    if (usable && m.media == "video" && !answer.video && local.video_port != 0) {
      const SrtpChoice srtp = choose_srtp(m, local.srtp, local.srtp.video_key);
      auto codec = srtp.acceptable ? pick_video(m, caps) : std::nullopt;
      if (codec) {
        stream = NegotiatedStream{i,
                                  *codec,
                                  std::nullopt,
                                  answer_direction(m.direction, caps.video_direction),
                                  *offer.connection_for(i),
                                  m.port,
                                  srtp.keys};
        answer.sdp.media.push_back(
            with_keys(accepted(m, local.video_port, {*codec}, stream->direction), srtp));
        answer.video = std::move(stream);
        continue;
      }
    }
    answer.sdp.media.push_back(declined_copy(m));
  }
  if (!answer.audio && !answer.video) {
    return make_error("sdp: no acceptable media in the offer", kNotAcceptableHere);
  }
  return answer;
}

Result<SessionDescription> make_offer(const Capabilities& caps, const LocalEndpoint& local) {
  const auto address_type = numeric_address_type(local.address);
  if (!address_type) return make_error("sdp: local address is not numeric", kBadEndpoint);
  if (local.srtp.policy == SrtpPolicy::Required && !local.srtp.usable()) {
    return make_error("sdp: SRTP is required and keys may only travel over TLS",
                      kNotAcceptableHere);
  }
  SessionDescription sdp = empty_session(local, *address_type);
  const auto secure = [&local](MediaDescription& m, const MasterKey& key) {
    if (!local.srtp.usable()) return;
    m.protocol = std::string(kSavp);
    m.attributes.push_back(to_attribute(CryptoAttribute{1, SrtpSuite::AesCm128HmacSha1_80, key}));
  };
  if (local.audio_port != 0 && !caps.audio_codecs.empty()) {
    MediaDescription audio;
    audio.media = "audio";
    std::vector<Codec> codecs = caps.audio_codecs;
    if (caps.telephone_event) {
      // RFC 4733 §2.1: events use the clock of the audio they go with, so one type per rate.
      codecs.push_back(Codec{caps.telephone_event_type, "telephone-event", 8000, 0, "0-15"});
      for (const auto& codec : caps.audio_codecs) {
        if (codec.clock_rate != 48000) continue;
        codecs.push_back(Codec{caps.telephone_event_type_48k, "telephone-event", 48000, 0, "0-15"});
        break;
      }
    }
    sdp.media.push_back(accepted(audio, local.audio_port, codecs, caps.audio_direction));
    secure(sdp.media.back(), local.srtp.audio_key);
  }
  if (local.video_port != 0 && caps.video_codec) {
    MediaDescription video;
    video.media = "video";
    sdp.media.push_back(
        accepted(video, local.video_port, {*caps.video_codec}, caps.video_direction));
    secure(sdp.media.back(), local.srtp.video_key);
  }
  if (sdp.media.empty()) return make_error("sdp: nothing to offer", kBadEndpoint);
  return sdp;
}

}  // namespace vto::media
