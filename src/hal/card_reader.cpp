#include "hal/card_reader.h"

#include <cctype>

namespace vto::hal {

Result<std::string> normalize_card_number(std::string_view text) {
  if (text.size() < kCardNumberMin || text.size() > kCardNumberMax) {
    return make_error("card number: " + std::to_string(kCardNumberMin) + " to " +
                          std::to_string(kCardNumberMax) + " hexadecimal digits",
                      Errc::Invalid);
  }
  std::string number;
  number.reserve(text.size());
  for (const char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return make_error("card number: only hexadecimal digits (0-9, A-F)", Errc::Invalid);
    }
    number += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return number;
}

}  // namespace vto::hal
