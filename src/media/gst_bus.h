// The bus policy of every pipeline of the media layer: errors go to the owner's callback
// (on a GStreamer thread), every other message is dropped, so no bus fills up without a
// main loop. Internal to src/media.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <string>

namespace vto::media {

// A GstBusSyncHandler; `data` points to a std::function<void(std::string)> that outlives
// the pipeline (it may be empty).
GstBusSyncReply report_bus_errors(GstBus* bus, GstMessage* message, gpointer data);

}  // namespace vto::media
