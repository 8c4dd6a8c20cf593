#include "device/panel_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vto::device {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

TEST(PanelConfigTest, DefaultsHaveNoSecretAndPass) {
  const PanelConfig config;
  EXPECT_TRUE(config.unlock_code.empty());
  EXPECT_EQ(config.ring_timeout, 30s);
  EXPECT_EQ(config.talk_limit, 120s);
  EXPECT_EQ(config.dial_pause, 5s);
  EXPECT_EQ(config.max_dialled, 6u);
  EXPECT_EQ(config.unlock_hold, 5s);
  EXPECT_TRUE(check_config(config));
}

TEST(PanelConfigTest, AcceptsRoomsTheCentreAndADtmfCode) {
  PanelConfig config;
  config.buttons = {{0, "101"}, {1, "A12"}, {4, std::string(kCentreNumber)}};
  config.unlock_code = "*12#";
  EXPECT_TRUE(check_config(config));
}

TEST(PanelConfigTest, RejectsBadFieldsNamingThem) {
  auto error_of = [](auto change) {
    PanelConfig config;
    change(config);
    const auto result = check_config(config);
    return result ? std::string("ok") : result.error().message;
  };
  EXPECT_THAT(error_of([](PanelConfig& c) { c.buttons[2] = "101#0"; }), HasSubstr("buttons[2]"));
  EXPECT_THAT(error_of([](PanelConfig& c) { c.buttons[0] = ""; }), HasSubstr("buttons[0]"));
  EXPECT_THAT(error_of([](PanelConfig& c) { c.buttons[0] = "1234567"; }), HasSubstr("buttons"));
  EXPECT_THAT(error_of([](PanelConfig& c) { c.ring_timeout = 0s; }), HasSubstr("ring_timeout"));
  EXPECT_THAT(error_of([](PanelConfig& c) { c.unlock_hold = -1s; }), HasSubstr("unlock_hold"));
  EXPECT_THAT(error_of([](PanelConfig& c) { c.max_dialled = 0; }), HasSubstr("max_dialled"));
  EXPECT_THAT(error_of([](PanelConfig& c) { c.max_dialled = 7; }), HasSubstr("max_dialled"));
  EXPECT_THAT(error_of([](PanelConfig& c) { c.unlock_code = "12x"; }), HasSubstr("unlock_code"));
  EXPECT_THAT(error_of([](PanelConfig& c) { c.unlock_code = std::string(17, '1'); }),
              HasSubstr("unlock_code"));
}

TEST(PanelConfigTest, FailureTexts) {
  EXPECT_EQ(failure_text(486), "Busy");
  EXPECT_EQ(failure_text(600), "Busy");
  EXPECT_EQ(failure_text(480), "Nobody home");
  EXPECT_EQ(failure_text(404), "Unknown number");
  EXPECT_EQ(failure_text(408), "No answer");
  EXPECT_EQ(failure_text(503), "Call failed");
}

}  // namespace
}  // namespace vto::device
