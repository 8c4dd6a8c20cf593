// A call's local RTP/RTCP port pair (RFC 3550 §11: RTP on an even port, RTCP on the next
// one), bound on a numeric address before the SDP names it, and handed to GStreamer's
// udpsrc/udpsink elements as GSockets so that media is sent from the ports it is received on
// (symmetric RTP, RFC 4961). Closed when destroyed: destroy the pipelines using it first.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"

typedef struct _GSocket GSocket;

namespace vto::media {

class RtpPorts {
 public:
  static Result<std::unique_ptr<RtpPorts>> open(const std::string& address);
  ~RtpPorts();
  RtpPorts(const RtpPorts&) = delete;
  RtpPorts& operator=(const RtpPorts&) = delete;

  std::uint16_t port() const { return port_; }  // RTP; RTCP is port() + 1
  GSocket* rtp() const { return rtp_; }
  GSocket* rtcp() const { return rtcp_; }

 private:
  RtpPorts(GSocket* rtp, GSocket* rtcp, std::uint16_t port) : rtp_(rtp), rtcp_(rtcp), port_(port) {}
  GSocket* rtp_;
  GSocket* rtcp_;
  std::uint16_t port_;
};

}  // namespace vto::media
