#include "core/log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace vto::core {
namespace {

// The record writer's thread and the core thread once asked for "records" at the same
// moment at start, and vtod aborted ("logger with name 'records' already exists").
TEST(Log, ThreadsAskingForANewLoggerAtOnceGetTheSameOne) {
  constexpr int kThreads = 8;
  constexpr int kNames = 300;
  std::vector<std::vector<spdlog::logger*>> got(kThreads);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ++ready;
      while (ready < kThreads) {
      }
      for (int n = 0; n < kNames; ++n) got[t].push_back(logger("race-" + std::to_string(n)).get());
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(got[t], got[0]);
}

}  // namespace
}  // namespace vto::core
