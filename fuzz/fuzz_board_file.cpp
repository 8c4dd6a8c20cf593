// libFuzzer target for the board file (`vtod --board FILE`): any text is a board file or a
// fault naming its key; a board file always has its lock, and no GPIO line twice.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hal/linux/board_file.h"

using namespace vto::hal::linux_board;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto b = parse_board_file(text);
  if (!b) {
    if (b.error().message.find(": ") == std::string::npos) std::abort();
    return 0;
  }
  if (b->lock.chip.empty() || (b->lock.name.empty() == (b->lock.offset < 0))) std::abort();
  if (b->card_reader && b->card_reader->kind == "wiegand" &&
      (!b->card_reader->d0 || !b->card_reader->d1 || *b->card_reader->d0 == *b->card_reader->d1))
    std::abort();
  return 0;
}
