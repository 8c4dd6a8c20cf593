// Live view of the door for players and NVRs: vtod's RTSP server (media::RtspServer), fed
// with the camera's encoded streams by DoorMedia while someone watches them, its viewers
// authenticated by api::ViewerAuth and counted in the StreamBudget. The server may move to
// another port while vtod runs (Network Setting > Basic): the new one is started first.
// Core thread only; the RTSP server's callbacks are posted to it.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/auth/viewer_auth.h"
#include "core/result.h"
#include "media/remote_speaker.h"
#include "media/rtsp_server.h"
#include "media/stream_budget.h"
#include "station/door_media.h"

namespace boost::asio {
class io_context;
}

namespace vto::station {

struct RtspLiveViewConfig {
  // The streams' audio (media::RtspServer::Config): an ALSA device, or a tone.
  std::string microphone_device;
  double tone_hz = 440;
  // The IP allow-list, asked on the RTSP server's thread (empty: everyone).
  std::function<bool(std::string_view address)> allowed;
  // Two-way audio (ONVIF backchannel): offered from the start, and where what a client says
  // is played (nullptr: not offered). Who may talk: admin and operator accounts.
  bool backchannel = false;
  media::RemoteSpeaker* speaker = nullptr;  // outlives the live view
};

class RtspLiveView {
 public:
  RtspLiveView(boost::asio::io_context& io, DoorMedia& media, media::StreamBudget& budget,
               api::ViewerAuth& auth, RtspLiveViewConfig config);
  ~RtspLiveView();
  RtspLiveView(const RtspLiveView&) = delete;
  RtspLiveView& operator=(const RtspLiveView&) = delete;

  // Serves RTSP on address:port from now on; an error (the port is taken) leaves the server
  // that ran before running.
  Result<void> listen(const std::string& address, std::uint16_t port);
  void stop();
  bool running() const { return server_ != nullptr; }
  std::uint16_t port() const;
  std::size_t sessions() const;
  // Offers two-way audio to the next clients, or no longer (Network › Integrations).
  void set_backchannel(bool on);

 private:
  struct Alive;
  void on_demand(media::VideoStream stream, bool wanted);
  void detach_all();

  boost::asio::io_context& io_;
  DoorMedia& media_;
  media::StreamBudget& budget_;
  api::ViewerAuth& auth_;
  RtspLiveViewConfig config_;
  std::shared_ptr<Alive> alive_;  // the server's posted callbacks check it
  std::unique_ptr<media::RtspServer> server_;
  std::array<std::optional<std::uint64_t>, 2> attached_;  // DoorMedia feed per stream
};

}  // namespace vto::station
