// GStreamer's SRTP elements (srtpenc, srtpdec from plugins-bad) set up with a call's SDES
// keys: the launch text of an encoder, and the decoder's key for every SSRC it meets.
#pragma once

#include <string>

#include "media/sdp_negotiate.h"

typedef struct _GstElement GstElement;

namespace vto::media {

// "srtpenc name=NAME key=... rtp-cipher=... " encrypting RTP and RTCP with keys.send.
std::string srtp_encoder(const std::string& name, const SrtpKeys& keys);

// Gives `srtpdec` keys.receive for any stream it asks about (its "request-key" signal):
// a call has one peer, whatever SSRC it picks. Packets that do not authenticate with it
// are dropped by srtpdec.
void give_receive_key(GstElement* srtpdec, const SrtpKeys& keys);

}  // namespace vto::media
