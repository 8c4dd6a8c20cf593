// Indicators: the lights of the indicator module. The panel logic decides (call lit while
// ringing, talk while talking, unlock while the lock is open); this only switches them.
#pragma once

#include <memory>
#include <string_view>

namespace vto::hal {

enum class Indicator { Call, Talk, Unlock };

constexpr std::string_view indicator_name(Indicator indicator) {
  switch (indicator) {
    case Indicator::Call:
      return "call";
    case Indicator::Talk:
      return "talk";
    case Indicator::Unlock:
      return "unlock";
  }
  return "?";
}

class Indicators {
 public:
  virtual ~Indicators() = default;
  virtual void set(Indicator indicator, bool lit) = 0;
  virtual bool get(Indicator indicator) const = 0;
};

using IndicatorsPtr = std::unique_ptr<Indicators>;

}  // namespace vto::hal
