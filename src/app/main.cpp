// vtod: the door station daemon. Reads its options, builds the Station (every part, wired
// in one place: station.h) and runs it until SIGINT or SIGTERM. A restart asked for through
// the API (restart, restore, factory reset) starts vtod again in this same process, on the
// addresses it had: the process id, its parent and its output stay.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

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
  const int status = (*station)->run();
  if (status != vto::app::Station::kRestartExit) return status;

  // Again, with each listening option given set to the address it had bound.
  std::vector<std::string> args(argv, argv + argc);
  for (const auto& [flag, address] : (*station)->bound_addresses()) {
    for (std::size_t i = 1; i < args.size(); ++i) {
      if (args[i] == flag && i + 1 < args.size()) {
        args[i + 1] = address;
      } else if (args[i].starts_with(flag + "=")) {
        args[i] = flag + "=" + address;
      }
    }
  }
  // A SIP port 0 made the TLS port a free one too: keep the one it got, or the default
  // (5061) would be taken instead.
  const auto given = [&args](const std::string& flag) {
    return std::ranges::any_of(
        args, [&](const std::string& a) { return a == flag || a.starts_with(flag + "="); });
  };
  if (!given("--sip-tls-listen")) {
    for (const auto& [flag, address] : (*station)->bound_addresses()) {
      if (flag == "--sip-tls-listen" && given("--sip-listen")) {
        args.push_back(flag);
        args.push_back(address);
      }
    }
  }
  const bool wipe = (*station)->factory_reset_requested();
  const std::string data_dir = (*station)->data_dir();
  station->reset();  // every socket and file closed before the next start
  if (wipe) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(data_dir, ec)) {
      std::filesystem::remove_all(e.path(), ec);
      if (ec) std::cerr << "vtod: factory reset: " << e.path() << ": " << ec.message() << "\n";
    }
  }
  std::vector<char*> exec_args;
  for (auto& a : args) exec_args.push_back(a.data());
  exec_args.push_back(nullptr);
  ::execv("/proc/self/exe", exec_args.data());
  std::cerr << "vtod: restart failed: " << std::strerror(errno) << "\n";
  return 1;
}
