// The display module of a Linux board: the panel's text lines drawn on a Linux display.
// Two kinds of device, as the board file names them:
//   - /dev/dri/cardN, a DRM device (HDMI, and the small SPI/I2C panels of the kernel's tiny
//     DRM drivers): vtod takes the first connected output in its preferred mode and draws
//     into a dumb buffer it scans out;
//   - /dev/fbN, a framebuffer (fbdev; DRM drivers offer one too), drawn into directly.
// 32-bit XRGB and 16-bit RGB565 pixels. The text is white on black, centred, one line per
// row, in DejaVu Sans Bold rendered by FreeType and sized so the display's rows and columns
// fill the screen: 4 rows of 20 on a 320x240 panel are 26 pixels tall.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "hal/display.h"

namespace vto::hal::linux_board {

// Pixels to draw into, whatever the device.
class Surface {
 public:
  virtual ~Surface() = default;
  virtual int width() const = 0;
  virtual int height() const = 0;
  // Fills the whole surface with `grey` (0-255) where `coverage` (width*height, 0-255) is
  // the text's, black elsewhere, and shows it.
  virtual void draw(const std::vector<unsigned char>& coverage) = 0;
};

// The surface of a DRM device or a framebuffer; refused naming what is wrong.
Result<std::unique_ptr<Surface>> open_surface(const std::string& device);

// The font every screen uses; refused when the file is not there (fonts-dejavu-core).
inline constexpr const char* kScreenFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

class ScreenDisplay final : public Display {
 public:
  // Opens `font` with FreeType; draws the empty screen at once.
  static Result<std::unique_ptr<ScreenDisplay>> open(std::unique_ptr<Surface> surface,
                                                     DisplayTraits traits,
                                                     const std::string& font = kScreenFont);
  ~ScreenDisplay() override;
  DisplayTraits traits() const override { return traits_; }
  void show(std::vector<std::string> lines) override;
  void clear() override { show({}); }
  const std::vector<std::string>& lines() const override { return lines_; }

  struct Font;

 private:
  ScreenDisplay(std::unique_ptr<Surface> surface, DisplayTraits traits, std::unique_ptr<Font> font);
  void render();

  std::unique_ptr<Surface> surface_;
  DisplayTraits traits_;
  std::unique_ptr<Font> font_;
  std::vector<std::string> lines_;
};

}  // namespace vto::hal::linux_board
