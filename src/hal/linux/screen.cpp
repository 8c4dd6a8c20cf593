#include "hal/linux/screen.h"

#include <fcntl.h>
#include <ft2build.h>
#include <linux/fb.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "core/log.h"

namespace vto::hal::linux_board {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

// Writes grey-on-black pixels of `coverage` in the device's format.
void fill(unsigned char* pixels, int width, int height, int stride, int bpp,
          const std::vector<unsigned char>& coverage) {
  for (int y = 0; y < height; ++y) {
    unsigned char* row = pixels + static_cast<std::ptrdiff_t>(y) * stride;
    for (int x = 0; x < width; ++x) {
      const unsigned v = coverage[static_cast<std::size_t>(y) * width + x];
      if (bpp == 32) {
        const std::uint32_t p = 0xff000000u | (v << 16) | (v << 8) | v;
        std::memcpy(row + x * 4, &p, 4);
      } else {
        const std::uint16_t p =
            static_cast<std::uint16_t>(((v >> 3) << 11) | ((v >> 2) << 5) | (v >> 3));
        std::memcpy(row + x * 2, &p, 2);
      }
    }
  }
}

// /dev/fbN: the framebuffer's memory, mapped.
class FbSurface final : public Surface {
 public:
  FbSurface(int fd, unsigned char* mem, std::size_t size, int w, int h, int stride, int bpp)
      : fd_(fd), mem_(mem), size_(size), w_(w), h_(h), stride_(stride), bpp_(bpp) {}
  ~FbSurface() override {
    ::munmap(mem_, size_);
    ::close(fd_);
  }
  int width() const override { return w_; }
  int height() const override { return h_; }
  void draw(const std::vector<unsigned char>& coverage) override {
    fill(mem_, w_, h_, stride_, bpp_, coverage);
  }

 private:
  int fd_;
  unsigned char* mem_;
  std::size_t size_;
  int w_, h_, stride_, bpp_;
};

Result<std::unique_ptr<Surface>> open_fb(const std::string& device) {
  const int fd = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return make_error(device + ": " + errno_text());
  fb_var_screeninfo var{};
  fb_fix_screeninfo fix{};
  if (::ioctl(fd, FBIOGET_VSCREENINFO, &var) < 0 || ::ioctl(fd, FBIOGET_FSCREENINFO, &fix) < 0) {
    const std::string e = errno_text();
    ::close(fd);
    return make_error(device + ": not a framebuffer: " + e);
  }
  if (var.bits_per_pixel != 32 && var.bits_per_pixel != 16) {
    ::close(fd);
    return make_error(device + ": " + std::to_string(var.bits_per_pixel) +
                      " bits per pixel (32 or 16 are drawn)");
  }
  const std::size_t size = static_cast<std::size_t>(fix.line_length) * var.yres_virtual;
  void* mem = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (mem == MAP_FAILED) {
    const std::string e = errno_text();
    ::close(fd);
    return make_error(device + ": mmap: " + e);
  }
  // The visible part starts at the panning offset.
  auto* visible = static_cast<unsigned char*>(mem) +
                  static_cast<std::size_t>(var.yoffset) * fix.line_length +
                  static_cast<std::size_t>(var.xoffset) * (var.bits_per_pixel / 8);
  core::logger("hal")->info("display {}: {}x{}, {} bits per pixel", device, var.xres, var.yres,
                            var.bits_per_pixel);
  struct Mapped final : Surface {
    FbSurface inner;
    unsigned char* base;
    std::size_t length;
    Mapped(int f, unsigned char* b, unsigned char* v, std::size_t n, int w, int h, int s, int bpp)
        : inner(f, v, 0, w, h, s, bpp), base(b), length(n) {}
    ~Mapped() override { ::munmap(base, length); }
    int width() const override { return inner.width(); }
    int height() const override { return inner.height(); }
    void draw(const std::vector<unsigned char>& c) override { inner.draw(c); }
  };
  return std::unique_ptr<Surface>(std::make_unique<Mapped>(
      fd, static_cast<unsigned char*>(mem), visible, size, static_cast<int>(var.xres),
      static_cast<int>(var.yres), static_cast<int>(fix.line_length),
      static_cast<int>(var.bits_per_pixel)));
}

// /dev/dri/cardN: a dumb buffer on the first connected output, in its preferred mode.
class DrmSurface final : public Surface {
 public:
  ~DrmSurface() override {
    if (mem_) ::munmap(mem_, size_);
    if (fb_) drmModeRmFB(fd_, fb_);
    if (handle_) {
      drm_mode_destroy_dumb destroy{};
      destroy.handle = handle_;
      drmIoctl(fd_, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
    }
    if (fd_ >= 0) ::close(fd_);
  }
  int width() const override { return w_; }
  int height() const override { return h_; }
  void draw(const std::vector<unsigned char>& coverage) override {
    fill(mem_, w_, h_, stride_, 32, coverage);
    // Drivers of small panels send the buffer on a "dirty" call; others scan it out.
    drmModeClip clip{0, 0, static_cast<unsigned short>(w_), static_cast<unsigned short>(h_)};
    drmModeDirtyFB(fd_, fb_, &clip, 1);
  }

  static Result<std::unique_ptr<Surface>> open(const std::string& device);

 private:
  int fd_ = -1;
  std::uint32_t handle_ = 0, fb_ = 0;
  unsigned char* mem_ = nullptr;
  std::size_t size_ = 0;
  int w_ = 0, h_ = 0, stride_ = 0;
};

Result<std::unique_ptr<Surface>> DrmSurface::open(const std::string& device) {
  auto s = std::make_unique<DrmSurface>();
  s->fd_ = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
  if (s->fd_ < 0) return make_error(device + ": " + errno_text());
  drmModeRes* res = drmModeGetResources(s->fd_);
  if (!res) return make_error(device + ": not a display (no DRM mode setting)");
  drmModeConnector* conn = nullptr;
  for (int i = 0; i < res->count_connectors && !conn; ++i) {
    drmModeConnector* c = drmModeGetConnector(s->fd_, res->connectors[i]);
    if (c && c->connection == DRM_MODE_CONNECTED && c->count_modes > 0) {
      conn = c;
    } else if (c) {
      drmModeFreeConnector(c);
    }
  }
  if (!conn) {
    drmModeFreeResources(res);
    return make_error(device + ": no output is connected");
  }
  drmModeModeInfo mode = conn->modes[0];
  for (int i = 0; i < conn->count_modes; ++i) {
    if (conn->modes[i].type & DRM_MODE_TYPE_PREFERRED) {
      mode = conn->modes[i];
      break;
    }
  }
  // A CRTC that can drive this connector: its encoder's, or the first the encoders allow.
  std::uint32_t crtc = 0;
  for (int i = 0; i < conn->count_encoders && !crtc; ++i) {
    drmModeEncoder* enc = drmModeGetEncoder(s->fd_, conn->encoders[i]);
    if (!enc) continue;
    if (enc->crtc_id) {
      crtc = enc->crtc_id;
    } else {
      for (int j = 0; j < res->count_crtcs && !crtc; ++j) {
        if (enc->possible_crtcs & (1u << j)) crtc = res->crtcs[j];
      }
    }
    drmModeFreeEncoder(enc);
  }
  const std::uint32_t connector = conn->connector_id;
  drmModeFreeConnector(conn);
  drmModeFreeResources(res);
  if (!crtc) return make_error(device + ": no display controller for the connected output");

  drm_mode_create_dumb create{};
  create.width = mode.hdisplay;
  create.height = mode.vdisplay;
  create.bpp = 32;
  if (drmIoctl(s->fd_, DRM_IOCTL_MODE_CREATE_DUMB, &create) < 0)
    return make_error(device + ": cannot make a buffer: " + errno_text());
  s->handle_ = create.handle;
  s->w_ = mode.hdisplay;
  s->h_ = mode.vdisplay;
  s->stride_ = static_cast<int>(create.pitch);
  s->size_ = create.size;
  if (drmModeAddFB(s->fd_, create.width, create.height, 24, 32, create.pitch, create.handle,
                   &s->fb_) < 0)
    return make_error(device + ": cannot add the buffer: " + errno_text());
  drm_mode_map_dumb map{};
  map.handle = create.handle;
  if (drmIoctl(s->fd_, DRM_IOCTL_MODE_MAP_DUMB, &map) < 0)
    return make_error(device + ": cannot map the buffer: " + errno_text());
  void* mem = ::mmap(nullptr, s->size_, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd_,
                     static_cast<off_t>(map.offset));
  if (mem == MAP_FAILED) return make_error(device + ": mmap: " + errno_text());
  s->mem_ = static_cast<unsigned char*>(mem);
  std::memset(s->mem_, 0, s->size_);
  std::uint32_t conn_id = connector;
  if (drmModeSetCrtc(s->fd_, crtc, s->fb_, 0, 0, &conn_id, 1, &mode) < 0)
    return make_error(device +
                      ": cannot show the buffer (is another program the display's "
                      "master?): " +
                      errno_text());
  core::logger("hal")->info("display {}: {}x{} ({})", device, s->w_, s->h_, mode.name);
  return std::unique_ptr<Surface>(std::move(s));
}

// The code points of UTF-8 `text`; a byte that is not UTF-8 is shown as '?'.
std::vector<char32_t> code_points(const std::string& text) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > text.size()) {
      out.push_back('?');
      ++i;
      continue;
    }
    char32_t cp = n == 1 ? c : c & (0x7f >> n);
    bool ok = true;
    for (int k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      ok = ok && (b >> 6) == 2;
      cp = (cp << 6) | (b & 0x3f);
    }
    out.push_back(ok ? cp : U'?');
    i += ok ? n : 1;
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Surface>> open_surface(const std::string& device) {
  if (device.starts_with("/dev/dri/")) return DrmSurface::open(device);
  return open_fb(device);
}

struct ScreenDisplay::Font {
  FT_Library library = nullptr;
  FT_Face face = nullptr;
  ~Font() {
    if (face) FT_Done_Face(face);
    if (library) FT_Done_FreeType(library);
  }
};

Result<std::unique_ptr<ScreenDisplay>> ScreenDisplay::open(std::unique_ptr<Surface> surface,
                                                           DisplayTraits traits,
                                                           const std::string& font) {
  auto f = std::make_unique<Font>();
  if (FT_Init_FreeType(&f->library) != 0) return make_error("FreeType cannot start");
  if (FT_New_Face(f->library, font.c_str(), 0, &f->face) != 0)
    return make_error("display font " + font + ": cannot be read");
  // Rows and columns fill the screen: a row is a line's height and a bit; a column, the
  // width of an average character (about 0.62 of the font's size in DejaVu Sans Bold).
  const int rows = static_cast<int>(std::max<std::size_t>(traits.rows, 1));
  const int columns = static_cast<int>(std::max<std::size_t>(traits.columns, 1));
  const int by_height = surface->height() * 10 / (rows * 13);
  const int by_width = surface->width() * 100 / (columns * 62);
  FT_Set_Pixel_Sizes(f->face, 0, static_cast<FT_UInt>(std::max(8, std::min(by_height, by_width))));
  auto d =
      std::unique_ptr<ScreenDisplay>(new ScreenDisplay(std::move(surface), traits, std::move(f)));
  d->render();
  return d;
}

ScreenDisplay::ScreenDisplay(std::unique_ptr<Surface> surface, DisplayTraits traits,
                             std::unique_ptr<Font> font)
    : surface_(std::move(surface)), traits_(traits), font_(std::move(font)) {}

ScreenDisplay::~ScreenDisplay() {
  lines_.clear();
  render();  // a blank screen, not a stale "Calling 101", once vtod has stopped
}

void ScreenDisplay::show(std::vector<std::string> lines) {
  if (lines.size() > traits_.rows) lines.resize(traits_.rows);
  if (lines == lines_) return;
  lines_ = std::move(lines);
  render();
}

void ScreenDisplay::render() {
  const int w = surface_->width(), h = surface_->height();
  std::vector<unsigned char> coverage(static_cast<std::size_t>(w) * h, 0);
  FT_Face face = font_->face;
  const int rows = static_cast<int>(std::max<std::size_t>(traits_.rows, 1));
  const int row_h = h / rows;
  // The lines as a block in the middle of the screen, each centred.
  const int top = (h - row_h * static_cast<int>(lines_.size())) / 2;
  for (std::size_t r = 0; r < lines_.size(); ++r) {
    const std::vector<char32_t> text = code_points(lines_[r]);
    int advance = 0;
    for (char32_t c : text) {
      if (FT_Load_Char(face, c, FT_LOAD_DEFAULT) == 0) advance += face->glyph->advance.x >> 6;
    }
    int pen_x = std::max(0, (w - advance) / 2);
    const int ascender = static_cast<int>(face->size->metrics.ascender >> 6);
    const int descender = static_cast<int>(-face->size->metrics.descender >> 6);
    const int baseline =
        top + static_cast<int>(r) * row_h + (row_h - ascender - descender) / 2 + ascender;
    for (char32_t c : text) {
      if (FT_Load_Char(face, c, FT_LOAD_RENDER) != 0) continue;
      const FT_GlyphSlot g = face->glyph;
      const FT_Bitmap& bm = g->bitmap;
      for (unsigned y = 0; y < bm.rows; ++y) {
        const int py = baseline - g->bitmap_top + static_cast<int>(y);
        if (py < 0 || py >= h) continue;
        for (unsigned x = 0; x < bm.width; ++x) {
          const int px = pen_x + g->bitmap_left + static_cast<int>(x);
          if (px < 0 || px >= w) continue;
          unsigned char& dst = coverage[static_cast<std::size_t>(py) * w + px];
          dst = std::max(dst, bm.buffer[y * bm.pitch + x]);
        }
      }
      pen_x += static_cast<int>(g->advance.x >> 6);
    }
  }
  surface_->draw(coverage);
}

}  // namespace vto::hal::linux_board
