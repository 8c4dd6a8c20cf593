#include "media/gst_bus.h"

namespace vto::media {

GstBusSyncReply report_bus_errors(GstBus*, GstMessage* message, gpointer data) {
  const auto* on_error = static_cast<const std::function<void(std::string)>*>(data);
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR && on_error && *on_error) {
    GError* error = nullptr;
    gst_message_parse_error(message, &error, nullptr);
    (*on_error)(std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(message))) + ": " +
                (error ? error->message : "unknown error"));
    if (error) g_error_free(error);
  }
  gst_message_unref(message);
  return GST_BUS_DROP;
}

}  // namespace vto::media
