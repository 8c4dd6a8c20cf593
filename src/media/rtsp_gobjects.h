// The GObject subclasses that extend gst-rtsp-server for RtspServer: the client maps the
// device family's paths to our two mounts, the auth asks the server's owner, the factory
// gives every URL of a stream one media.
#pragma once

#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

extern "C" {

struct VtoRtspAuth {
  GstRTSPAuth parent;
  void* owner;  // the server's insides, given to `check`
  gboolean (*check)(void* owner, GstRTSPContext* ctx, const gchar* check);
};
struct VtoRtspAuthClass {
  GstRTSPAuthClass parent_class;
};
GType vto_rtsp_auth_get_type();

struct VtoRtspClient {
  GstRTSPClient parent;
};
struct VtoRtspClientClass {
  GstRTSPClientClass parent_class;
};
GType vto_rtsp_client_get_type();

struct VtoRtspServer {
  GstRTSPServer parent;
};
struct VtoRtspServerClass {
  GstRTSPServerClass parent_class;
};
GType vto_rtsp_server_get_type();

struct VtoRtspMounts {
  GstRTSPMountPoints parent;
};
struct VtoRtspMountsClass {
  GstRTSPMountPointsClass parent_class;
};
GType vto_rtsp_mounts_get_type();

struct VtoRtspFactory {
  GstRTSPMediaFactory parent;
  const char* key;
};
struct VtoRtspFactoryClass {
  GstRTSPMediaFactoryClass parent_class;
};
GType vto_rtsp_factory_get_type();
}
