#include "app/port_mover.h"

#include <gtest/gtest.h>

#include <set>

namespace vto::app {
namespace {

// A listener whose port can be taken by another program.
struct Listener {
  std::uint16_t port;
  std::set<std::uint16_t>* taken;
  PortMover::Bind bind() {
    return [this](std::uint16_t p) -> Result<void> {
      if (taken->contains(p)) return make_error("address in use");
      port = p;
      return {};
    };
  }
};

TEST(PortMover, MovesEveryChangedPort) {
  std::set<std::uint16_t> taken;
  Listener https{443, &taken}, http{80, &taken};
  std::uint16_t redirect_to = 443;
  PortMover mover;
  mover.add("HTTPS", 443, 8443, https.bind(), [&](std::uint16_t p) { redirect_to = p; });
  mover.add("HTTP", 80, 80, http.bind());  // unchanged: untouched
  ASSERT_TRUE(mover.apply());
  EXPECT_EQ(https.port, 8443);
  EXPECT_EQ(redirect_to, 8443);
  EXPECT_EQ(http.port, 80);
}

TEST(PortMover, APortThatCannotMoveMovesTheOthersBack) {
  std::set<std::uint16_t> taken{5070};
  Listener https{443, &taken}, rtsp{554, &taken}, sip{5060, &taken};
  std::uint16_t redirect_to = 443;
  PortMover mover;
  mover.add("HTTPS", 443, 8443, https.bind(), [&](std::uint16_t p) { redirect_to = p; });
  mover.add("RTSP", 554, 8554, rtsp.bind());
  mover.add("SIP", 5060, 5070, sip.bind());
  auto r = mover.apply();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().errc, Errc::Conflict);
  EXPECT_EQ(r.error().message, "SIP port 5070: address in use");
  EXPECT_EQ(https.port, 443);
  EXPECT_EQ(redirect_to, 443);
  EXPECT_EQ(rtsp.port, 554);
  EXPECT_EQ(sip.port, 5060);
}

TEST(PortMover, UndoMovesBackWhatApplyMoved) {
  std::set<std::uint16_t> taken;
  Listener https{443, &taken}, sip{5060, &taken};
  PortMover mover;
  mover.add("HTTPS", 443, 8443, https.bind());
  mover.add("SIP", 5060, 5070, sip.bind());
  ASSERT_TRUE(mover.apply());
  mover.undo();  // e.g. the interface's new address could not be set
  EXPECT_EQ(https.port, 443);
  EXPECT_EQ(sip.port, 5060);
  mover.undo();  // nothing more to move back
  EXPECT_EQ(https.port, 443);
}

}  // namespace
}  // namespace vto::app
