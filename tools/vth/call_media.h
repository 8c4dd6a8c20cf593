// The media side of vth's calls: the SDP it offers and answers (media::negotiate with a
// monitor's capabilities: G.711 + DTMF both ways, the door's H.264 received), the UDP port
// that its audio names, and one VideoReceiver per call that accepted video, with the
// "media" and "snapshot" events it prints. Everything runs on the io_context's thread;
// GStreamer's threads only post errors to it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/timers.h"
#include "media/video_receiver.h"
#include "sip/ua/user_agent.h"

namespace vto::vth {

class CallMedia {
 public:
  using Printer = std::function<void(const nlohmann::json&)>;

  CallMedia(boost::asio::io_context& io, core::Timers& timers, Printer print);
  ~CallMedia();

  // Holds the UDP audio port on `ip` (numeric), so no other program takes it.
  Result<void> open(const std::string& ip);

  // The UserAgent's SdpProvider: an audio-only offer when `remote_offer` is empty, else
  // the answer to it, with a video receiver bound for the port the answer names.
  std::string sdp(sip::CallId call, const std::string& remote_offer);

  // The dialog is up (we answered, or our call was answered): video starts decoding.
  void on_established(sip::CallId call);
  // The call is over: prints the final "media" event and releases the pipeline.
  void on_ended(sip::CallId call);
  // Releases the media of calls that are gone without an end event (an answer never sent).
  void keep_only(const std::vector<sip::CallId>& live_calls);

  // Saves the latest decoded frame of `call` (0: any call with video) as a JPEG file.
  Result<void> snapshot(sip::CallId call, const std::string& path);

 private:
  struct Video {
    std::unique_ptr<media::VideoReceiver> receiver;
    bool playing = false;
  };

  std::string answer(sip::CallId call, const std::string& remote_offer);
  void print_stats(sip::CallId call, const media::VideoReceiver& receiver);
  void tick();

  boost::asio::io_context& io_;
  core::Timers& timers_;
  Printer print_;
  boost::asio::ip::udp::socket audio_;
  std::string ip_;
  std::uint16_t audio_port_ = 0;
  std::map<sip::CallId, Video> videos_;
  std::map<sip::CallId, std::uint64_t> sdp_versions_;
  core::Timers::Id tick_timer_ = 0;
};

}  // namespace vto::vth
