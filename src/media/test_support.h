// Helpers shared by the media unit tests.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <thread>

namespace vto::media::test_support {

// File descriptors this process has open now.
inline std::size_t open_fd_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n;
}

// Polls `done` every 10 ms until it is true or `timeout` passed; returns its last value.
template <typename Predicate>
bool wait_until(Predicate done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace vto::media::test_support
