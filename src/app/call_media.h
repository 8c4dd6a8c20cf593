// The media of the door station's calls: the SDP it offers and answers, and the camera's
// H.264 stream sent to every monitor that accepted video. The camera is encoded once
// (media::VideoSource) while at least one call shows it, and each call gets a branch.
// Audio comes later: the SDP already offers it, on a port held open here.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "media/sdp_negotiate.h"
#include "media/video_source.h"

namespace boost::asio {
class io_context;
}

namespace vto::app {

struct CallMediaConfig {
  std::string address;        // numeric IP written in the SDP (the SIP advertised address)
  std::string camera_device;  // V4L2 device path; empty: the test pattern with a clock
};

class CallMedia {
 public:
  // Holds the local RTP ports (UDP sockets bound on `config.address`).
  static Result<std::unique_ptr<CallMedia>> open(boost::asio::io_context& io,
                                                 CallMediaConfig config);
  ~CallMedia();

  // The SDP of an outgoing call (empty `remote_offer`) or the answer to an incoming one
  // (empty string when nothing in the offer can be accepted).
  std::string sdp_for(std::uint64_t call, const std::string& remote_offer);
  // The call was answered with `remote_sdp` (its answer, or for incoming calls the offer):
  // start sending video where the peer accepted it.
  void on_established(std::uint64_t call, std::string_view remote_sdp);
  // The call ended, however: stop its stream; the camera stops with the last one.
  void on_ended(std::uint64_t call);

  std::size_t video_streams() const { return sinks_.size(); }

 private:
  struct Sockets;
  CallMedia(CallMediaConfig config, std::unique_ptr<Sockets> sockets);
  media::LocalEndpoint local(std::uint64_t call) const;

  CallMediaConfig config_;
  std::unique_ptr<Sockets> sockets_;
  media::Capabilities capabilities_ = media::Capabilities::door_station();
  std::unique_ptr<media::VideoSource> camera_;
  std::map<std::uint64_t, media::VideoSource::SinkId> sinks_;
};

}  // namespace vto::app
