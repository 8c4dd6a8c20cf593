// SimCardReader: the card swiping module, a card "held to it" from the virtual panel.
#pragma once

#include <string>
#include <string_view>

#include "hal/card_reader.h"

namespace vto::hal::sim {

class SimCardReader final : public CardReader {
 public:
  ListenerId add_listener(Listener fn) override { return listeners_.add(std::move(fn)); }
  void remove_listener(ListenerId id) override { listeners_.remove(id); }

  // Emits the normalised number, or refuses a malformed one without emitting.
  Result<void> present(std::string_view number) {
    auto normalized = normalize_card_number(number);
    if (!normalized) return normalized.error();
    listeners_.emit(*normalized);
    return {};
  }

 private:
  Listeners<const std::string&> listeners_;
};

}  // namespace vto::hal::sim
