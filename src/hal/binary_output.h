// BinaryOutput: the driver level under an entity (ESPHome's BinaryOutput): one on/off line,
// a GPIO through libgpiod on Linux or a flag in memory in the sim. TimedLockRelay drives one.
#pragma once

#include <memory>

namespace vto::hal {

class BinaryOutput {
 public:
  virtual ~BinaryOutput() = default;
  virtual void write(bool on) = 0;
};

using BinaryOutputPtr = std::unique_ptr<BinaryOutput>;

}  // namespace vto::hal
