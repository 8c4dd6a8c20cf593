// ScreenDisplay on a surface in memory: the text lands in the rows it belongs to, centred,
// and different text draws differently. The real devices (a DRM card, a framebuffer) are
// tested on the virtual board, whose screen is read back with OCR.
#include "hal/linux/screen.h"

#include <gtest/gtest.h>

#include <numeric>

namespace vto::hal::linux_board {
namespace {

class MemorySurface final : public Surface {
 public:
  MemorySurface(int w, int h, std::vector<unsigned char>& out) : w_(w), h_(h), out_(out) {}
  int width() const override { return w_; }
  int height() const override { return h_; }
  void draw(const std::vector<unsigned char>& coverage) override {
    out_ = coverage;
    ++draws;
  }
  int draws = 0;

 private:
  int w_, h_;
  std::vector<unsigned char>& out_;
};

// How much ink is in rows [y0, y1) and columns [x0, x1).
long ink(const std::vector<unsigned char>& px, int w, int x0, int x1, int y0, int y1) {
  long sum = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) sum += px[static_cast<std::size_t>(y) * w + x];
  return sum;
}

TEST(ScreenDisplay, ALineIsDrawnCentredInTheMiddleOfA320x240Panel) {
  std::vector<unsigned char> px;
  auto display = ScreenDisplay::open(std::make_unique<MemorySurface>(320, 240, px), {4, 20});
  ASSERT_TRUE(display) << display.error().message;
  ASSERT_EQ(px.size(), 320u * 240u);
  EXPECT_EQ(ink(px, 320, 0, 320, 0, 240), 0);  // blank at first
  (*display)->show({"Calling 101"});
  EXPECT_EQ((*display)->lines(), std::vector<std::string>{"Calling 101"});
  // One row of four in the middle: ink between y 90 and 150, none at the top or bottom.
  EXPECT_GT(ink(px, 320, 0, 320, 90, 150), 0);
  EXPECT_EQ(ink(px, 320, 0, 320, 0, 80), 0);
  EXPECT_EQ(ink(px, 320, 0, 320, 160, 240), 0);
  // Centred: about as much ink left and right of the middle, none at the very edges.
  const long left = ink(px, 320, 0, 160, 0, 240), right = ink(px, 320, 160, 320, 0, 240);
  EXPECT_NEAR(static_cast<double>(left) / right, 1.0, 0.35);
  EXPECT_EQ(ink(px, 320, 0, 20, 0, 240), 0);
  EXPECT_EQ(ink(px, 320, 300, 320, 0, 240), 0);
}

TEST(ScreenDisplay, TwentyColumnsFitTheWidthAndLinesBeyondTheRowsAreDropped) {
  std::vector<unsigned char> px;
  auto display = ScreenDisplay::open(std::make_unique<MemorySurface>(320, 240, px), {4, 20});
  ASSERT_TRUE(display);
  (*display)->show({"WWWWWWWWWWMMMMMMMMMM", "2", "3", "4", "5"});
  EXPECT_EQ((*display)->lines().size(), 4u);
  // Even 20 wide letters stay on the screen: ink near both edges but the line fits.
  EXPECT_GT(ink(px, 320, 0, 40, 0, 60), 0);
  EXPECT_GT(ink(px, 320, 280, 320, 0, 60), 0);
}

TEST(ScreenDisplay, DifferentTextDrawsDifferentPixelsAndClearBlanks) {
  std::vector<unsigned char> px;
  auto display = ScreenDisplay::open(std::make_unique<MemorySurface>(480, 320, px), {4, 20});
  ASSERT_TRUE(display);
  (*display)->show({"Calling 101"});
  const auto a = px;
  (*display)->show({"Calling 102"});
  EXPECT_NE(a, px);
  (*display)->show({"Zoë – 9€"});  // UTF-8 is drawn, not shown as bytes
  EXPECT_GT(ink(px, 480, 0, 480, 0, 320), 0);
  (*display)->clear();
  EXPECT_EQ(ink(px, 480, 0, 480, 0, 320), 0);
}

TEST(ScreenDisplay, AMissingFontIsRefusedInWords) {
  std::vector<unsigned char> px;
  auto display = ScreenDisplay::open(std::make_unique<MemorySurface>(320, 240, px), {4, 20},
                                     "/nonexistent/font.ttf");
  ASSERT_FALSE(display);
  EXPECT_EQ(display.error().message, "display font /nonexistent/font.ttf: cannot be read");
}

TEST(ScreenDisplay, ADeviceThatIsNoDisplayIsRefused) {
  auto s = open_surface("/dev/null");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("/dev/null: not a framebuffer"), std::string::npos);
  auto d = open_surface("/dev/dri/card9");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message, "/dev/dri/card9: No such file or directory");
}

}  // namespace
}  // namespace vto::hal::linux_board
