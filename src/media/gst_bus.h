// How every pipeline of the media layer is built, and its bus policy: errors go to the owner's
// callback (on a GStreamer thread), every other message is dropped, so no bus fills up without a
// main loop. Internal to src/media.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <string>

#include "core/result.h"

namespace vto::media {

// Builds a pipeline from its gst-launch description and installs report_bus_errors with
// `on_error` (which must outlive the pipeline). The caller owns the returned element.
Result<GstElement*> launch_pipeline(const std::string& description,
                                    const std::function<void(std::string)>* on_error);

// Stops a pipeline built by launch_pipeline (joining its streaming threads), takes its bus
// handler off and drops the caller's reference; `pipeline` is null afterwards.
void stop_pipeline(GstElement*& pipeline);

// A GstBusSyncHandler; `data` points to a std::function<void(std::string)> that outlives
// the pipeline (it may be empty).
GstBusSyncReply report_bus_errors(GstBus* bus, GstMessage* message, gpointer data);

}  // namespace vto::media
