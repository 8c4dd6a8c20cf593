// The door's speaker for talkers who are not in a SIP call: RTSP two-way audio (the ONVIF
// backchannel) and the device family's audio.cgi. G.711 (A-law or µ-law) goes in as it
// arrives, is decoded here and played (an ALSA device; on the simulated board a level meter
// alone, which the virtual panel shows).
//
// Who is heard: one talker at a time. The first one to send holds the speaker until it has
// been silent (sent nothing) for kHoldGap; audio from the others meanwhile is dropped, and
// they stay connected. A visitor's SIP call wins over all of them: while a call is in
// progress (set_call_active), every talker's audio is dropped. The speaker device is opened
// at the first sound of a talk and closed when its talker goes or a call starts (calls and
// tones open the same device). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace vto::media {

enum class G711 { Alaw, Ulaw };

// One G.711 byte as a 16-bit linear sample (ITU-T G.711).
std::int16_t g711_decode(G711 law, std::uint8_t byte);

class RemoteSpeaker {
 public:
  static constexpr std::chrono::milliseconds kHoldGap{1000};

  struct Config {
    std::string speaker_device;                 // ALSA playback device; empty: measured, not played
    double volume = 1.0;                        // 0..1
    std::function<void(std::string)> on_error;  // a GStreamer thread: post it to the core
  };

  static Result<std::unique_ptr<RemoteSpeaker>> create(Config config);
  ~RemoteSpeaker();
  RemoteSpeaker(const RemoteSpeaker&) = delete;
  RemoteSpeaker& operator=(const RemoteSpeaker&) = delete;

  // Plays `bytes` of `talker` (any id of the caller's: an RTSP session, an HTTP request);
  // false when dropped (another talker holds the speaker, or a call is in progress).
  bool play(std::uint64_t talker, G711 law, std::string_view bytes);
  // The talker is gone: the speaker is free at once.
  void release(std::uint64_t talker);
  void set_call_active(bool active);
  void set_volume(double volume);

  std::uint64_t holder() const;  // 0: nobody
  // RMS of the last 50 ms played, and the loudest so far, in dBFS (-127: silence).
  double level_db() const;
  double peak_db() const;
  std::uint64_t bytes_played() const;
  std::uint64_t bytes_dropped() const;

 private:
  struct Impl;
  explicit RemoteSpeaker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vto::media
