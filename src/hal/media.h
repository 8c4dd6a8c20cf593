// What a board's camera, microphone and speaker are. The HAL only names them; the media
// layer opens them with GStreamer, so vto_hal has no GStreamer dependency.
#pragma once

#include <string>

namespace vto::hal {

struct CameraSource {
  enum class Kind { TestPattern, V4l2 };
  Kind kind = Kind::TestPattern;
  std::string device;  // V4L2 device path, e.g. "/dev/video0"; empty for the test pattern
};

struct MicrophoneSource {
  enum class Kind { Tone, Wav, Alsa };
  Kind kind = Kind::Tone;
  double tone_hz = 440;  // Tone: its frequency; 0 is silence
  std::string wav;       // Wav: the file played once per call
  std::string device;    // Alsa: the capture device, e.g. "hw:0,0"
};

struct SpeakerSink {
  enum class Kind { Null, Alsa };
  Kind kind = Kind::Null;  // Null: the sound is measured (a level meter) and discarded
  std::string device;      // Alsa: the playback device
};

struct MediaDevices {
  CameraSource camera;
  MicrophoneSource microphone;
  SpeakerSink speaker;
};

}  // namespace vto::hal
