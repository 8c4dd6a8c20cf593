// SimDisplay: the display module's text, kept in memory for the virtual panel to show.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "hal/display.h"

namespace vto::hal::sim {

class SimDisplay final : public Display {
 public:
  explicit SimDisplay(DisplayTraits traits) : traits_(traits) {}

  DisplayTraits traits() const override { return traits_; }
  void show(std::vector<std::string> lines) override {
    if (lines.size() > traits_.rows) lines.resize(traits_.rows);
    lines_ = std::move(lines);
  }
  void clear() override { lines_.clear(); }
  const std::vector<std::string>& lines() const override { return lines_; }

 private:
  DisplayTraits traits_;
  std::vector<std::string> lines_;
};

}  // namespace vto::hal::sim
