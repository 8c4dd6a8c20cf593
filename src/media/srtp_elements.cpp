#include "media/srtp_elements.h"

#include <gst/gst.h>

namespace vto::media {
namespace {

GstCaps* receive_caps(const SrtpKeys& keys) {
  GstBuffer* key = gst_buffer_new_memdup(keys.receive.data(), keys.receive.size());
  const std::string cipher(gst_cipher(keys.suite)), auth(gst_auth(keys.suite));
  GstCaps* caps = gst_caps_new_simple(
      "application/x-srtp", "srtp-key", GST_TYPE_BUFFER, key, "srtp-cipher", G_TYPE_STRING,
      cipher.c_str(), "srtp-auth", G_TYPE_STRING, auth.c_str(), "srtcp-cipher", G_TYPE_STRING,
      cipher.c_str(), "srtcp-auth", G_TYPE_STRING, auth.c_str(), nullptr);
  gst_buffer_unref(key);
  return caps;
}

GstCaps* on_request_key(GstElement*, guint /*ssrc*/, gpointer data) {
  return gst_caps_copy(static_cast<GstCaps*>(data));
}

void unref_caps(gpointer data, GClosure*) {
  gst_caps_unref(static_cast<GstCaps*>(data));
}

}  // namespace

std::string srtp_encoder(const std::string& name, const SrtpKeys& keys) {
  const std::string cipher(gst_cipher(keys.suite)), auth(gst_auth(keys.suite));
  return "srtpenc name=" + name + " key=" + to_hex(keys.send) + " rtp-cipher=" + cipher +
         " rtp-auth=" + auth + " rtcp-cipher=" + cipher + " rtcp-auth=" + auth + " ";
}

void give_receive_key(GstElement* srtpdec, const SrtpKeys& keys) {
  g_signal_connect_data(srtpdec, "request-key", G_CALLBACK(on_request_key), receive_caps(keys),
                        unref_caps, GConnectFlags{});
}

}  // namespace vto::media
