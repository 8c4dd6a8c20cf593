// The simulated board: every module of the layout is simulated (SimPanel), driven from the
// virtual panel and /api/v1/sim. What `vtod --board sim` runs on, and every test.
#pragma once

#include "core/timers.h"
#include "hal/board.h"

namespace vto::hal::sim {

class SimBoard final : public Board {
 public:
  explicit SimBoard(core::Timers& timers) : timers_(timers) {}
  std::string description() const override {
    return "OpenVTO modular door station (simulated modules)";
  }
  Result<std::unique_ptr<DoorModules>> modules(const std::vector<ModuleSlot>& layout) override;

 private:
  core::Timers& timers_;
};

}  // namespace vto::hal::sim
