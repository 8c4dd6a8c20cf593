// Runs an io_context until a condition holds, for tests of code that lives on one: no test
// waits longer than it must, nor forever.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>

namespace vto::test {

// True when `done()` held before `limit` passed.
template <typename Done>
bool run_io_until(boost::asio::io_context& io, Done done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.run_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace vto::test
