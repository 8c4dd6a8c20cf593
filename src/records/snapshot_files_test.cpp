#include "records/snapshot_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "store/temp_dir.h"

namespace vto::records {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

const std::vector<std::uint8_t> kJpeg = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x02, 0xFF, 0xD9};

void touch(const fs::path& path) {
  std::ofstream(path) << "x";
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename());
  return names;
}

class SnapshotFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path() / "snapshots";
    auto opened = SnapshotFiles::open(dir_.string());
    ASSERT_TRUE(opened) << opened.error().message;
    files_.emplace(std::move(*opened));
  }

  store::testing::TempDir tmp_;
  fs::path dir_;
  std::optional<SnapshotFiles> files_;
};

TEST(SnapshotFileId, OnlyCallDigitsJpg) {
  EXPECT_EQ(snapshot_file_id("call-42.jpg"), 42);
  EXPECT_EQ(snapshot_file_id("call-0.jpg"), 0);
  EXPECT_FALSE(snapshot_file_id("call-.jpg"));
  EXPECT_FALSE(snapshot_file_id("call-4x2.jpg"));
  EXPECT_FALSE(snapshot_file_id("call--1.jpg"));
  EXPECT_FALSE(snapshot_file_id("call-42.jpg.tmp"));
  EXPECT_FALSE(snapshot_file_id("call-42.jpeg"));
  EXPECT_FALSE(snapshot_file_id("xcall-42.jpg"));
  EXPECT_FALSE(snapshot_file_id("call-1234567890123456789.jpg"));  // beyond an id's range
}

TEST_F(SnapshotFilesTest, OpenMakesTheDirectoryOwnerOnlyAndRefusesAFile) {
  struct stat st {};
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_TRUE(SnapshotFiles::open(dir_.string()));  // an existing one is fine
  touch(tmp_.path() / "file");
  EXPECT_FALSE(SnapshotFiles::open((tmp_.path() / "file").string()));
  EXPECT_FALSE(SnapshotFiles::open((tmp_.path() / "file" / "sub").string()));
}

TEST_F(SnapshotFilesTest, WriteLeavesTheWholeFileAndNoTemporary) {
  ASSERT_TRUE(files_->write(7, kJpeg));
  EXPECT_EQ(files_->path_of(7), (dir_ / "call-7.jpg").string());
  std::ifstream in(dir_ / "call-7.jpg", std::ios::binary);
  EXPECT_EQ(std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {}), kJpeg);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "call-7.jpg").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_THAT(names_in(dir_), ElementsAre("call-7.jpg"));
}

TEST_F(SnapshotFilesTest, RemoveDeletesOnlySnapshotNamesInItsDirectory) {
  ASSERT_TRUE(files_->write(1, kJpeg));
  EXPECT_TRUE(files_->remove(files_->path_of(1)));
  EXPECT_FALSE(fs::exists(dir_ / "call-1.jpg"));
  EXPECT_FALSE(files_->remove(files_->path_of(1)));  // already gone

  // The same directory by another spelling, or through a symlink, is still it.
  ASSERT_TRUE(files_->write(2, kJpeg));
  ASSERT_TRUE(files_->write(3, kJpeg));
  fs::create_directory_symlink(dir_, tmp_.path() / "link");
  EXPECT_TRUE(files_->remove((dir_ / ".." / "snapshots" / "call-2.jpg").string()));
  EXPECT_TRUE(files_->remove((tmp_.path() / "link" / "call-3.jpg").string()));

  // Anything else is refused and left alone.
  const fs::path outside = tmp_.path() / "other";
  fs::create_directory(outside);
  touch(outside / "call-4.jpg");
  touch(dir_ / "notes.txt");
  touch(dir_ / "call-5.jpg.tmp");
  fs::create_directory(dir_ / "sub");
  touch(dir_ / "sub" / "call-6.jpg");
  EXPECT_FALSE(files_->remove((outside / "call-4.jpg").string()));
  EXPECT_FALSE(files_->remove((dir_ / ".." / "other" / "call-4.jpg").string()));
  EXPECT_FALSE(files_->remove((dir_ / "notes.txt").string()));
  EXPECT_FALSE(files_->remove((dir_ / "call-5.jpg.tmp").string()));
  EXPECT_FALSE(files_->remove((dir_ / "sub" / "call-6.jpg").string()));
  EXPECT_FALSE(files_->remove("call-4.jpg"));  // relative: the working directory's
  EXPECT_FALSE(files_->remove(""));
  EXPECT_TRUE(fs::exists(outside / "call-4.jpg"));
  EXPECT_THAT(names_in(dir_), UnorderedElementsAre("notes.txt", "call-5.jpg.tmp", "sub"));

  // A symlink named like a snapshot goes, not what it points to.
  fs::create_symlink(outside / "call-4.jpg", dir_ / "call-8.jpg");
  EXPECT_TRUE(files_->remove((dir_ / "call-8.jpg").string()));
  EXPECT_TRUE(fs::exists(outside / "call-4.jpg"));
}

TEST_F(SnapshotFilesTest, SweepRemovesFilesNoRecordAccountsFor) {
  for (int id : {1, 2, 3, 4}) ASSERT_TRUE(files_->write(id, kJpeg));
  touch(dir_ / "call-5.jpg.tmp");  // a write cut by a crash
  touch(dir_ / "call-2.jpg.tmp");
  touch(dir_ / "notes.txt");
  touch(dir_ / "other.tmp");
  fs::create_directory(dir_ / "sub");
  // 1 and 3 have their records, 3 naming no snapshot (a crash before the update); 2 and 4
  // were dropped.
  EXPECT_EQ(files_->sweep({{1, true}, {3, false}, {9, true}}), 5u);
  EXPECT_THAT(names_in(dir_), UnorderedElementsAre("call-1.jpg", "notes.txt", "other.tmp", "sub"));
}

TEST_F(SnapshotFilesTest, SweepIsBoundedAndTheNextOneGoesOn) {
  for (int id = 1; id <= 5; ++id) ASSERT_TRUE(files_->write(id, kJpeg));
  EXPECT_EQ(files_->sweep({}, SnapshotFiles::kSweepMaxEntries, 2), 2u);
  EXPECT_EQ(names_in(dir_).size(), 3u);
  EXPECT_EQ(files_->sweep({}, 1, 10), 1u);
  EXPECT_EQ(names_in(dir_).size(), 2u);
  EXPECT_EQ(files_->sweep({}), 2u);
  EXPECT_TRUE(fs::is_empty(dir_));
}

}  // namespace
}  // namespace vto::records
