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

Result<GstElement*> launch_pipeline(const std::string& description,
                                    const std::function<void(std::string)>* on_error) {
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
  if (error || !pipeline) {
    std::string message = error ? error->message : "cannot build the pipeline";
    if (error) g_error_free(error);
    if (pipeline) gst_object_unref(pipeline);
    return make_error("video: " + message);
  }
  GstBus* bus = gst_element_get_bus(pipeline);
  gst_bus_set_sync_handler(bus, report_bus_errors,
                           const_cast<void*>(static_cast<const void*>(on_error)), nullptr);
  gst_object_unref(bus);
  return pipeline;
}

void stop_pipeline(GstElement*& pipeline) {
  if (!pipeline) return;
  gst_element_set_state(pipeline, GST_STATE_NULL);  // joins the streaming threads
  GstBus* bus = gst_element_get_bus(pipeline);
  gst_bus_set_sync_handler(bus, nullptr, nullptr, nullptr);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  pipeline = nullptr;
}

}  // namespace vto::media
