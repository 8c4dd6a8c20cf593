#include "api/web_ui.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "store/temp_dir.h"

namespace vto::api {
namespace {

using ::testing::HasSubstr;

void write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

TEST(UiFile, TheBuiltInPageCarriesItsPolicy) {
  auto r = ui_file("index.html", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(r.headers["Content-Security-Policy"], HasSubstr("script-src 'self'"));
  EXPECT_EQ(ui_file("no-such.js", "").status, 404);
}

TEST(UiFile, ADevelopmentDirectoryIsReadAtEachRequest) {
  store::testing::TempDir dir;
  write(dir.path() / "index.html", "<p>one</p>");
  write(dir.path() / "pages" / "calls.js", "export {};");
  EXPECT_EQ(ui_file("index.html", dir.path().string()).body, "<p>one</p>");
  write(dir.path() / "index.html", "<p>two</p>");
  EXPECT_EQ(ui_file("index.html", dir.path().string()).body, "<p>two</p>");
  auto js = ui_file("pages/calls.js", dir.path().string());
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
}

TEST(UiFile, NothingOutsideTheDevelopmentDirectoryIsServed) {
  store::testing::TempDir dir;
  write(dir.path() / "ui" / "index.html", "page");
  write(dir.path() / "secret.txt", "key");
  write(dir.path() / "ui" / ".hidden", "x");
  const std::string ui = (dir.path() / "ui").string();
  for (const char* name : {"../secret.txt", "./index.html", ".hidden", "/etc/passwd", "",
                           "pages//x.js", "pages/", "a\\b", "%2e%2e/secret.txt", "pages"}) {
    EXPECT_EQ(ui_file(name, ui).status, 404) << name;
  }
  std::filesystem::create_directories(dir.path() / "ui" / "pages");
  EXPECT_EQ(ui_file("pages", ui).status, 404);  // a directory is not a file
}

}  // namespace
}  // namespace vto::api
