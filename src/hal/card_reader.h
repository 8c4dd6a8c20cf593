// CardReader: the card swiping module. Emits the number of each card held to it, already
// normalised by normalize_card_number(): 4 to 16 hexadecimal digits, upper case (the
// number the module reads from an RFID card or a Wiegand reader; a decimal number printed
// on a card is a valid card number too).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "hal/listeners.h"

namespace vto::hal {

inline constexpr std::size_t kCardNumberMin = 4;
inline constexpr std::size_t kCardNumberMax = 16;

// The card number in its one stored form (upper case), or an error naming the rule broken.
Result<std::string> normalize_card_number(std::string_view text);

class CardReader {
 public:
  using Listener = std::function<void(const std::string& number)>;

  virtual ~CardReader() = default;
  virtual ListenerId add_listener(Listener fn) = 0;
  virtual void remove_listener(ListenerId id) = 0;
};

using CardReaderPtr = std::unique_ptr<CardReader>;

}  // namespace vto::hal
