#include "media/rtsp_gobjects.h"

#include <string>

#include "media/rtsp_path.h"

// GObject's type macros cast function pointers the C way.
#pragma GCC diagnostic ignored "-Wcast-function-type"

extern "C" {
G_DEFINE_TYPE(VtoRtspAuth, vto_rtsp_auth, GST_TYPE_RTSP_AUTH)
G_DEFINE_TYPE(VtoRtspClient, vto_rtsp_client, GST_TYPE_RTSP_ONVIF_CLIENT)
G_DEFINE_TYPE(VtoRtspServer, vto_rtsp_server, GST_TYPE_RTSP_ONVIF_SERVER)
G_DEFINE_TYPE(VtoRtspMounts, vto_rtsp_mounts, GST_TYPE_RTSP_MOUNT_POINTS)
G_DEFINE_TYPE(VtoRtspFactory, vto_rtsp_factory, GST_TYPE_RTSP_ONVIF_MEDIA_FACTORY)
}

// ------------------------------------------------------------------ the subclasses' methods

extern "C" {

static gboolean vto_rtsp_auth_check(GstRTSPAuth* auth, GstRTSPContext* ctx, const gchar* check) {
  auto* self = reinterpret_cast<VtoRtspAuth*>(auth);
  return self->owner && self->check ? self->check(self->owner, ctx, check) : FALSE;
}
static void vto_rtsp_auth_init(VtoRtspAuth* self) {
  self->owner = nullptr;
  self->check = nullptr;
}
static void vto_rtsp_auth_class_init(VtoRtspAuthClass* klass) {
  GST_RTSP_AUTH_CLASS(klass)->check = vto_rtsp_auth_check;
}

static gchar* vto_rtsp_client_make_path(GstRTSPClient*, const GstRTSPUrl* uri) {
  const std::string path =
      vto::media::rtsp_stream_path(uri->abspath ? uri->abspath : "", uri->query ? uri->query : "");
  // No such stream: a path no mount matches, so the client answers 404.
  return g_strdup(path.empty() ? "/-" : path.c_str());
}
static void vto_rtsp_client_init(VtoRtspClient*) {}
// DESCRIBE asks the mount points for the path, the other methods the client: both map.
static gchar* vto_rtsp_mounts_make_path(GstRTSPMountPoints*, const GstRTSPUrl* uri) {
  return vto_rtsp_client_make_path(nullptr, uri);
}
static void vto_rtsp_mounts_init(VtoRtspMounts*) {}
static void vto_rtsp_mounts_class_init(VtoRtspMountsClass* klass) {
  GST_RTSP_MOUNT_POINTS_CLASS(klass)->make_path = vto_rtsp_mounts_make_path;
}
static void vto_rtsp_client_class_init(VtoRtspClientClass* klass) {
  GST_RTSP_CLIENT_CLASS(klass)->make_path_from_uri = vto_rtsp_client_make_path;
}

// As the default create_client, with our client class.
static GstRTSPClient* vto_rtsp_server_create_client(GstRTSPServer* server) {
  auto* client = GST_RTSP_CLIENT(g_object_new(vto_rtsp_client_get_type(), nullptr));
  GstRTSPSessionPool* pool = gst_rtsp_server_get_session_pool(server);
  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(server);
  GstRTSPAuth* auth = gst_rtsp_server_get_auth(server);
  GstRTSPThreadPool* threads = gst_rtsp_server_get_thread_pool(server);
  gst_rtsp_client_set_session_pool(client, pool);
  gst_rtsp_client_set_mount_points(client, mounts);
  gst_rtsp_client_set_auth(client, auth);
  gst_rtsp_client_set_thread_pool(client, threads);
  gst_rtsp_client_set_content_length_limit(client,
                                           gst_rtsp_server_get_content_length_limit(server));
  if (pool) g_object_unref(pool);
  if (mounts) g_object_unref(mounts);
  if (auth) g_object_unref(auth);
  if (threads) g_object_unref(threads);
  return client;
}
static void vto_rtsp_server_init(VtoRtspServer*) {}
static void vto_rtsp_server_class_init(VtoRtspServerClass* klass) {
  GST_RTSP_SERVER_CLASS(klass)->create_client = vto_rtsp_server_create_client;
}

// Every URL of a stream shares one media; a client asking for two-way audio gets its own.
static gchar* vto_rtsp_factory_gen_key(GstRTSPMediaFactory* factory, const GstRTSPUrl*) {
  GstRTSPContext* ctx = gst_rtsp_context_get_current();
  if (ctx && ctx->request && gst_rtsp_onvif_media_factory_requires_backchannel(factory, ctx))
    return nullptr;
  return g_strdup(reinterpret_cast<VtoRtspFactory*>(factory)->key);
}
static void vto_rtsp_factory_init(VtoRtspFactory* self) {
  self->key = "main";
  self->backchannel_on = nullptr;
}
static gboolean vto_rtsp_factory_has_backchannel(GstRTSPOnvifMediaFactory* factory) {
  auto* self = reinterpret_cast<VtoRtspFactory*>(factory);
  return self->backchannel_on && g_atomic_int_get(self->backchannel_on) ? TRUE : FALSE;
}
static void vto_rtsp_factory_class_init(VtoRtspFactoryClass* klass) {
  GST_RTSP_MEDIA_FACTORY_CLASS(klass)->gen_key = vto_rtsp_factory_gen_key;
  GST_RTSP_ONVIF_MEDIA_FACTORY_CLASS(klass)->has_backchannel_support =
      vto_rtsp_factory_has_backchannel;
}
}
