// SimIndicators: the indicator lights, kept in memory for the virtual panel to show.
#pragma once

#include <array>
#include <cstddef>

#include "hal/indicators.h"

namespace vto::hal::sim {

class SimIndicators final : public Indicators {
 public:
  void set(Indicator indicator, bool lit) override { lit_[index(indicator)] = lit; }
  bool get(Indicator indicator) const override { return lit_[index(indicator)]; }

 private:
  static std::size_t index(Indicator indicator) { return static_cast<std::size_t>(indicator); }

  std::array<bool, 3> lit_{};
};

}  // namespace vto::hal::sim
