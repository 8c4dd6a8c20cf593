#include "hal/listeners.h"

#include <gtest/gtest.h>

#include <vector>

namespace vto::hal {
namespace {

TEST(ListenersTest, EmitsInOrderOfAdding) {
  Listeners<int> listeners;
  std::vector<int> seen;
  listeners.add([&](int v) { seen.push_back(v * 10 + 1); });
  listeners.add([&](int v) { seen.push_back(v * 10 + 2); });
  listeners.emit(1);
  listeners.emit(2);
  EXPECT_EQ(seen, (std::vector<int>{11, 12, 21, 22}));
}

TEST(ListenersTest, RemovedListenerHearsNothing) {
  Listeners<> listeners;
  int a = 0;
  int b = 0;
  const ListenerId id = listeners.add([&] { ++a; });
  listeners.add([&] { ++b; });
  listeners.remove(id);
  listeners.remove(id);  // twice is a no-op
  listeners.emit();
  EXPECT_EQ(a, 0);
  EXPECT_EQ(b, 1);
  EXPECT_EQ(listeners.size(), 1u);
}

TEST(ListenersTest, ListenerMayRemoveItselfWhileEmitting) {
  Listeners<> listeners;
  int calls = 0;
  ListenerId id = 0;
  id = listeners.add([&] {
    ++calls;
    listeners.remove(id);
  });
  listeners.emit();
  listeners.emit();
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace vto::hal
