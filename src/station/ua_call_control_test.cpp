#include "station/ua_call_control.h"

#include <gtest/gtest.h>

namespace vto::station {
namespace {

TEST(DtmfDigits, ReadsSipInfoBodies) {
  EXPECT_EQ(dtmf_digits("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n"), "5");
  EXPECT_EQ(dtmf_digits("application/dtmf-relay", "signal= #\nduration=100"), "#");
  EXPECT_EQ(dtmf_digits("Application/DTMF-Relay", "Signal=a\r\n"), "A");
  EXPECT_EQ(dtmf_digits("application/dtmf", "7"), "7");
  EXPECT_EQ(dtmf_digits("application/dtmf", "*\r\n"), "*");
}

TEST(DtmfDigits, IgnoresWhatIsNotDtmf) {
  EXPECT_EQ(dtmf_digits("application/dtmf-relay", "Signal=55\r\n"), "");
  EXPECT_EQ(dtmf_digits("application/dtmf-relay", "Signal=x\r\n"), "");
  EXPECT_EQ(dtmf_digits("application/dtmf-relay", "Duration=160\r\n"), "");
  EXPECT_EQ(dtmf_digits("application/dtmf", "12"), "");
  EXPECT_EQ(dtmf_digits("text/plain", "Signal=5"), "");
  EXPECT_EQ(dtmf_digits("application/dtmf-relay", ""), "");
}

}  // namespace
}  // namespace vto::station
