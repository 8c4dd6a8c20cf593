// SimOutput: a BinaryOutput that remembers its level (the sim lock relay line).
#pragma once

#include "hal/binary_output.h"

namespace vto::hal::sim {

class SimOutput final : public BinaryOutput {
 public:
  void write(bool on) override { on_ = on; }
  bool on() const { return on_; }

 private:
  bool on_ = false;
};

}  // namespace vto::hal::sim
