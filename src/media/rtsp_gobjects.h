// The GObject subclasses that extend gst-rtsp-server for RtspServer: the client maps the
// device family's paths to our two mounts, the auth asks the server's owner, the factory
// gives every URL of a stream one media. Client, server, factory and media are the ONVIF
// variants, which understand "Require: www.onvif.org/ver20/backchannel": every media has the
// two-way audio (backchannel) stream, shown only to a client that asks for it. One such
// client at a time talks through the shared media (the owner's `reserve` says which);
// another gets a media of its own.
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
  // Whether `client`, asking for two-way audio, may have the shared media's backchannel.
  void* owner;
  gboolean (*reserve)(void* owner, GstRTSPClient* client);
};
struct VtoRtspFactoryClass {
  GstRTSPOnvifMediaFactoryClass parent_class;
};
GType vto_rtsp_factory_get_type();

// The media: its SDP has the backchannel's m-line only for a request that asks for it.
struct VtoRtspMedia {
  GstRTSPOnvifMedia parent;
};
struct VtoRtspMediaClass {
  GstRTSPOnvifMediaClass parent_class;
};
GType vto_rtsp_media_get_type();

// Whether the request has "Require: www.onvif.org/ver20/backchannel".
gboolean vto_rtsp_requires_backchannel(GstRTSPMessage* request);
}
