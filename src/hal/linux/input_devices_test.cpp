// InputDevices on pipes standing in for event nodes: a FIFO named eventN in a directory of
// the test's own, its device name in a sys directory beside it. The kernel's input layer is
// tested on the virtual board (tests/board); here, which devices are opened, when, and what
// their modules hear.
#include "hal/linux/input_devices.h"

#include <fcntl.h>
#include <linux/input.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <vector>

namespace vto::hal::linux_board {
namespace {

namespace fs = std::filesystem;

class InputDevicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("vto-input-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "dev");
    fs::create_directories(root_ / "sys");
  }
  void TearDown() override {
    devices_.reset();
    for (auto& [node, fd] : writers_) ::close(fd);
    fs::remove_all(root_);
  }

  InputDevices& devices() {
    if (!devices_) {
      devices_ = std::make_unique<InputDevices>(
          io_, InputDevices::Places{dev(), (root_ / "sys").string(), [this](int) {
                                      ++grabs_;
                                      return true;
                                    }});
    }
    return *devices_;
  }
  std::string dev() const { return (root_ / "dev").string(); }

  // A device appears: its node (a FIFO the test writes to) and its name.
  void plug(const std::string& node, const std::string& name) {
    fs::create_directories(root_ / "sys" / node / "device");
    std::ofstream(root_ / "sys" / node / "device" / "name") << name << "\n";
    const std::string path = dev() + "/" + node;
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    writers_[node] = ::open(path.c_str(), O_RDWR | O_NONBLOCK);
  }
  void unplug(const std::string& node) {
    fs::remove(fs::path(dev()) / node);
    ::close(writers_[node]);
    writers_.erase(node);
  }
  void send(const std::string& node, std::uint16_t type, std::uint16_t code, std::int32_t value) {
    input_event e[2]{};
    e[0].type = type;
    e[0].code = code;
    e[0].value = value;
    e[1].type = EV_SYN;
    ASSERT_EQ(::write(writers_[node], e, sizeof e), static_cast<ssize_t>(sizeof e));
  }
  // Runs the io_context until `done` or 2 s.
  template <class F>
  bool run_until(F done) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!done() && std::chrono::steady_clock::now() < end) {
      io_.restart();
      io_.run_for(std::chrono::milliseconds(10));
    }
    return done();
  }

  boost::asio::io_context io_;
  fs::path root_;
  std::map<std::string, int> writers_;
  std::unique_ptr<InputDevices> devices_;
  int grabs_ = 0;
};

TEST_F(InputDevicesTest, ADeviceByNameIsOpenedAndItsModulesHearIt) {
  plug("event0", "AT Translated Set 2 keyboard");
  plug("event1", "gpio-keys");
  std::vector<std::pair<std::string, std::uint16_t>> heard;
  auto a = devices().watch("gpio-keys", {[&](const InputEvent& e) {
                                           heard.push_back({"a", e.code});
                                         },
                                         {}});
  auto b = devices().watch("gpio-keys", {[&](const InputEvent& e) {
                                           heard.push_back({"b", e.code});
                                         },
                                         {}});
  EXPECT_TRUE(devices().present("gpio-keys"));
  EXPECT_EQ(grabs_, 1);  // one device, opened once; the keyboard nobody asked for is left alone
  send("event1", EV_KEY, KEY_1, 1);
  ASSERT_TRUE(run_until([&] { return heard.size() == 2; }));
  EXPECT_EQ(heard[0], (std::pair<std::string, std::uint16_t>{"a", KEY_1}));
  EXPECT_EQ(heard[1], (std::pair<std::string, std::uint16_t>{"b", KEY_1}));
}

TEST_F(InputDevicesTest, ADevicePluggedInLaterIsFoundAndAnUnpluggedOneIsMissing) {
  std::vector<bool> presence;
  std::vector<std::int32_t> values;
  auto w = devices().watch("USB Keypad", {[&](const InputEvent& e) { values.push_back(e.value); },
                                          [&](bool p) { presence.push_back(p); }});
  EXPECT_FALSE(devices().present("USB Keypad"));
  plug("event3", "USB Keypad");
  ASSERT_TRUE(run_until([&] { return presence == std::vector<bool>{true}; }));
  send("event3", EV_KEY, KEY_5, 1);
  ASSERT_TRUE(run_until([&] { return values.size() == 1; }));
  unplug("event3");
  ASSERT_TRUE(run_until([&] { return presence == std::vector<bool>{true, false}; }));
  EXPECT_FALSE(devices().present("USB Keypad"));
  // Plugged in again (as another node): found again, heard again.
  plug("event4", "USB Keypad");
  ASSERT_TRUE(run_until([&] { return presence == std::vector<bool>{true, false, true}; }));
  send("event4", EV_KEY, KEY_6, 0);
  ASSERT_TRUE(run_until([&] { return values == std::vector<std::int32_t>{1, 0}; }));
}

TEST_F(InputDevicesTest, ADeviceByPathFollowsItsLink) {
  plug("event0", "gpio-keys");
  plug("event1", "gpio-keys");
  fs::create_directories(root_ / "dev" / "by-path");
  const std::string link = dev() + "/by-path/platform-door-keys-event";
  fs::create_symlink("../event1", link);
  std::vector<std::uint16_t> codes;
  auto w = devices().watch(link, {[&](const InputEvent& e) { codes.push_back(e.code); }, {}});
  EXPECT_TRUE(devices().present(link));
  send("event0", EV_KEY, KEY_1, 1);  // the other device of the same name: not this one
  send("event1", EV_KEY, KEY_2, 1);
  ASSERT_TRUE(run_until([&] { return !codes.empty(); }));
  io_.restart();
  io_.run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(codes, std::vector<std::uint16_t>{KEY_2});
}

TEST_F(InputDevicesTest, ADeviceNobodyWantsAnyMoreIsClosed) {
  plug("event2", "gpio-keys");
  std::vector<bool> presence;
  auto keep = devices().watch("gpio-keys", {{}, [&](bool p) { presence.push_back(p); }});
  auto w = devices().watch("gpio-keys", {{}, {}});
  w.reset();
  EXPECT_TRUE(devices().present("gpio-keys"));  // still wanted by `keep`
  keep.reset();
  EXPECT_FALSE(devices().present("gpio-keys"));
  // A module that asks again opens it again.
  auto again = devices().watch("gpio-keys", {{}, {}});
  EXPECT_TRUE(devices().present("gpio-keys"));
  EXPECT_EQ(grabs_, 2);
}

}  // namespace
}  // namespace vto::hal::linux_board
