// The simulated board: every module of the layout is simulated (SimPanel), driven from the
// virtual panel and /api/v1/sim. What `vtod --board sim` runs on, and every test.
#pragma once

#include "core/timers.h"
#include "hal/board.h"

namespace vto::hal::sim {

class SimBoard final : public Board {
 public:
  // `media`: a test pattern, a tone and no speaker by default; a PC's webcam or sound card
  // when vtod's options name them.
  SimBoard(core::Timers& timers, MediaDevices media) : timers_(timers), media_(std::move(media)) {}
  std::string description() const override {
    return "OpenVTO modular door station (simulated modules)";
  }
  MediaDevices media_devices() const override { return media_; }
  Result<std::unique_ptr<DoorModules>> modules(const std::vector<ModuleSlot>& layout) override;

 private:
  core::Timers& timers_;
  MediaDevices media_;
};

}  // namespace vto::hal::sim
