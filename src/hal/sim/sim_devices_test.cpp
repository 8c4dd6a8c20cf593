#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hal/sim/sim_display.h"
#include "hal/sim/sim_door_sensor.h"
#include "hal/sim/sim_indicators.h"
#include "hal/sim/sim_module_bus.h"
#include "hal/sim/sim_tamper_switch.h"

namespace vto::hal::sim {
namespace {

TEST(SimDoorSensorTest, EmitsOnChangesOnly) {
  SimDoorSensor door;
  std::vector<DoorState> seen;
  door.add_listener([&](DoorState s) { seen.push_back(s); });
  door.set_state(DoorState::Closed);  // already closed
  door.set_state(DoorState::Open);
  door.set_state(DoorState::Open);
  door.set_state(DoorState::Closed);
  EXPECT_EQ(seen, (std::vector<DoorState>{DoorState::Open, DoorState::Closed}));
  EXPECT_EQ(door.state(), DoorState::Closed);
}

TEST(SimTamperSwitchTest, EmitsOnChangesOnly) {
  SimTamperSwitch tamper;
  std::vector<TamperState> seen;
  tamper.add_listener([&](TamperState s) { seen.push_back(s); });
  tamper.set_state(TamperState::Detached);
  tamper.set_state(TamperState::Detached);
  EXPECT_EQ(seen, (std::vector<TamperState>{TamperState::Detached}));
  EXPECT_EQ(tamper.state(), TamperState::Detached);
}

TEST(SimIndicatorsTest, SetAndGetEachLight) {
  SimIndicators lights;
  lights.set(Indicator::Talk, true);
  EXPECT_FALSE(lights.get(Indicator::Call));
  EXPECT_TRUE(lights.get(Indicator::Talk));
  EXPECT_FALSE(lights.get(Indicator::Unlock));
  lights.set(Indicator::Talk, false);
  EXPECT_FALSE(lights.get(Indicator::Talk));
}

TEST(SimDisplayTest, ShowKeepsAtMostTheRowsAndClearEmpties) {
  SimDisplay display(DisplayTraits{2, 16});
  display.show({"one", "two", "three"});
  EXPECT_EQ(display.lines(), (std::vector<std::string>{"one", "two"}));
  display.clear();
  EXPECT_TRUE(display.lines().empty());
}

TEST(SimModuleBusTest, PresenceChangesAreHeardOnce) {
  SimModuleBus bus({{0, ModuleKind::Camera, Presence::Found}, {1, ModuleKind::Keypad}});
  std::vector<ModuleStatus> seen;
  bus.add_listener([&](const ModuleStatus& m) { seen.push_back(m); });
  ASSERT_TRUE(bus.set_presence(1, Presence::Missing));
  ASSERT_TRUE(bus.set_presence(1, Presence::Missing));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], (ModuleStatus{1, ModuleKind::Keypad, Presence::Missing}));
  auto r = bus.set_presence(2, Presence::Missing);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().errc, Errc::Invalid);
  EXPECT_EQ(r.error().message, "module position 2 out of range: 0-1");
}

TEST(ModuleKindTest, NamesRoundTrip) {
  for (ModuleKind k :
       {ModuleKind::Camera, ModuleKind::Buttons, ModuleKind::CardReader, ModuleKind::Blank}) {
    EXPECT_EQ(module_kind_from_name(module_kind_name(k)), k);
  }
  EXPECT_FALSE(module_kind_from_name("toaster"));
}

}  // namespace
}  // namespace vto::hal::sim
