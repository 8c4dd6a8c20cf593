// Media descriptors: camera, microphone and speaker are handled by the media layer through
// GStreamer (a later step). The HAL only names the source or sink a pipeline should open,
// so vto_hal has no GStreamer dependency.
#pragma once

#include <string>

namespace vto::hal {

struct CameraSource {
  enum class Kind { TestPattern, V4l2 };
  Kind kind = Kind::TestPattern;
  std::string device;  // V4L2 device path, e.g. "/dev/video0"; empty for the test pattern
};

struct MicrophoneSource {
  enum class Kind { TestTone, Alsa };
  Kind kind = Kind::TestTone;
  std::string device;  // ALSA device name, e.g. "hw:0,0"; empty for the test tone
};

struct SpeakerSink {
  enum class Kind { Null, Alsa };
  Kind kind = Kind::Null;
  std::string device;  // ALSA device name; empty for the null sink (audio discarded)
};

}  // namespace vto::hal
