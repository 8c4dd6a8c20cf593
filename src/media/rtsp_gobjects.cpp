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
G_DEFINE_TYPE(VtoRtspMedia, vto_rtsp_media, GST_TYPE_RTSP_ONVIF_MEDIA)
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

gboolean vto_rtsp_requires_backchannel(GstRTSPMessage* request) {
  for (int i = 0; request; ++i) {
    gchar* value = nullptr;
    if (gst_rtsp_message_get_header(request, GST_RTSP_HDR_REQUIRE, &value, i) != GST_RTSP_OK)
      return FALSE;
    if (value && g_strrstr(value, "www.onvif.org/ver20/backchannel")) return TRUE;
  }
  return FALSE;
}

// Every URL of a stream shares one media; a second client asking for two-way audio while
// another has the shared backchannel gets a media of its own.
static gchar* vto_rtsp_factory_gen_key(GstRTSPMediaFactory* factory, const GstRTSPUrl*) {
  auto* self = reinterpret_cast<VtoRtspFactory*>(factory);
  GstRTSPContext* ctx = gst_rtsp_context_get_current();
  if (ctx && ctx->request && ctx->client &&
      gst_rtsp_onvif_media_factory_requires_backchannel(factory, ctx) &&
      !(self->reserve && self->reserve(self->owner, ctx->client)))
    return nullptr;
  return g_strdup(self->key);
}

// As the ONVIF factory's, but the backchannel bin is always added: a shared media serves
// clients with and without two-way audio.
static GstElement* vto_rtsp_factory_create_element(GstRTSPMediaFactory* factory,
                                                   const GstRTSPUrl*) {
  gchar* launch = gst_rtsp_media_factory_get_launch(factory);
  gchar* back =
      gst_rtsp_onvif_media_factory_get_backchannel_launch(GST_RTSP_ONVIF_MEDIA_FACTORY(factory));
  GError* error = nullptr;
  GstElement* element =
      launch ? gst_parse_launch_full(launch, nullptr, GST_PARSE_FLAG_PLACE_IN_BIN, &error)
             : nullptr;
  g_free(launch);
  g_clear_error(&error);
  if (element && back) {
    GstElement* bin = gst_parse_bin_from_description_full(back, FALSE, nullptr,
                                                          GST_PARSE_FLAG_PLACE_IN_BIN, &error);
    g_clear_error(&error);
    GstElement* depay = bin ? gst_bin_get_by_name(GST_BIN(bin), "depay_backchannel") : nullptr;
    GstPad* pad = depay ? gst_element_get_static_pad(depay, "sink") : nullptr;
    if (pad) {
      gst_object_set_name(GST_OBJECT(bin), "onvif-backchannel");
      gst_element_add_pad(bin, gst_ghost_pad_new("sink", pad));
      gst_bin_add(GST_BIN(element), bin);
      bin = nullptr;
    }
    if (pad) gst_object_unref(pad);
    if (depay) gst_object_unref(depay);
    if (bin) {
      gst_object_unref(bin);
      gst_object_unref(element);
      element = nullptr;
    }
  }
  g_free(back);
  return element;
}

static void vto_rtsp_factory_init(VtoRtspFactory* self) {
  self->key = "main";
  self->backchannel_on = nullptr;
  self->owner = nullptr;
  self->reserve = nullptr;
}
static gboolean vto_rtsp_factory_has_backchannel(GstRTSPOnvifMediaFactory* factory) {
  auto* self = reinterpret_cast<VtoRtspFactory*>(factory);
  return self->backchannel_on && g_atomic_int_get(self->backchannel_on) ? TRUE : FALSE;
}
static void vto_rtsp_factory_class_init(VtoRtspFactoryClass* klass) {
  GST_RTSP_MEDIA_FACTORY_CLASS(klass)->gen_key = vto_rtsp_factory_gen_key;
  GST_RTSP_MEDIA_FACTORY_CLASS(klass)->create_element = vto_rtsp_factory_create_element;
  GST_RTSP_ONVIF_MEDIA_FACTORY_CLASS(klass)->has_backchannel_support =
      vto_rtsp_factory_has_backchannel;
}

// The ONVIF media's SDP, without the backchannel's m-line (a=sendonly) unless the request
// asks for two-way audio: a plain player sees video and audio only.
static gboolean vto_rtsp_media_setup_sdp(GstRTSPMedia* media, GstSDPMessage* sdp,
                                         GstSDPInfo* info) {
  auto parent = GST_RTSP_MEDIA_CLASS(vto_rtsp_media_parent_class)->setup_sdp;
  GstRTSPContext* ctx = gst_rtsp_context_get_current();
  if (ctx && vto_rtsp_requires_backchannel(ctx->request)) return parent(media, sdp, info);
  GstSDPMessage* all = nullptr;
  gst_sdp_message_new(&all);
  const gboolean made = parent(media, all, info);
  if (made) {
    for (guint i = 0; i < gst_sdp_message_attributes_len(all); ++i) {
      const GstSDPAttribute* a = gst_sdp_message_get_attribute(all, i);
      gst_sdp_message_add_attribute(sdp, a->key, a->value);
    }
    for (guint i = 0; i < gst_sdp_message_medias_len(all); ++i) {
      const GstSDPMedia* m = gst_sdp_message_get_media(all, i);
      if (!gst_sdp_media_get_attribute_val(m, "sendonly"))
        gst_sdp_message_add_media(sdp, const_cast<GstSDPMedia*>(m));  // copied
    }
  }
  gst_sdp_message_free(all);
  return made;
}
static void vto_rtsp_media_init(VtoRtspMedia*) {}
static void vto_rtsp_media_class_init(VtoRtspMediaClass* klass) {
  GST_RTSP_MEDIA_CLASS(klass)->setup_sdp = vto_rtsp_media_setup_sdp;
}
}
