// The GObject subclasses that extend gst-rtsp-server for RtspServer: the client maps the
// device family's paths to our two mounts, the auth asks the server's owner, the factory
// gives every URL of a stream one media, except to a client asking for two-way audio (ONVIF
// backchannel), which gets a media of its own. Client, server and factory are the ONVIF
// variants, which understand "Require: www.onvif.org/ver20/backchannel".
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
  GstRTSPOnvifClient parent;
};
struct VtoRtspClientClass {
  GstRTSPOnvifClientClass parent_class;
};
GType vto_rtsp_client_get_type();

struct VtoRtspServer {
  GstRTSPOnvifServer parent;
};
struct VtoRtspServerClass {
  GstRTSPOnvifServerClass parent_class;
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
  GstRTSPOnvifMediaFactory parent;
  const char* key;
  // Whether two-way audio is offered now (read with g_atomic_int_get; owned by the server).
  gint* backchannel_on;
};
struct VtoRtspFactoryClass {
  GstRTSPOnvifMediaFactoryClass parent_class;
};
GType vto_rtsp_factory_get_type();
}
