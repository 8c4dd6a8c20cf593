// Display: the display module (user directory, prompts). Text only at this level.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace vto::hal {

struct DisplayTraits {
  std::size_t rows = 4;
  std::size_t columns = 20;
};

class Display {
 public:
  virtual ~Display() = default;
  virtual DisplayTraits traits() const = 0;
  // Replaces the whole text; lines beyond traits().rows are dropped.
  virtual void show(std::vector<std::string> lines) = 0;
  virtual void clear() = 0;
  virtual const std::vector<std::string>& lines() const = 0;
};

using DisplayPtr = std::unique_ptr<Display>;

}  // namespace vto::hal
