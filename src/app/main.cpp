// vtod: the door station daemon. Reads its options, builds the Station (every part, wired
// in one place: station.h) and runs it until SIGINT or SIGTERM.
#include <malloc.h>

#include <iostream>

#include "app/options.h"
#include "app/station.h"
#include "core/log.h"

int main(int argc, char** argv) {
  // GStreamer starts and ends threads with every call; glibc would give them up to 8 malloc
  // arenas per core, each keeping the peak of what was freed in it (an encoder's frames).
  // Two arenas hold vtod's memory where it was after the first calls.
  mallopt(M_ARENA_MAX, 2);
  auto options = vto::app::parse_options(argc, argv);
  if (!options) {
    if (!options.error().message.empty()) std::cerr << "vtod: " << options.error().message << "\n";
    return options.error().code;
  }
  vto::core::set_log_level(options->log_level);
  auto station = vto::app::Station::create(std::move(*options));
  if (!station) {
    std::cerr << "vtod: " << station.error().message << "\n";
    return station.error().code == 0 ? 1 : station.error().code;
  }
  return (*station)->run();
}
