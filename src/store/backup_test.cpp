#include "store/backup.h"

#include <SQLiteCpp/Statement.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/directory.h"
#include "store/settings.h"
#include "store/temp_dir.h"

namespace vto::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;

constexpr std::string_view kPassphrase = "correct horse battery";

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto a = Database::open((first_.path() / "data").string());
    auto b = Database::open((second_.path() / "data").string());
    ASSERT_TRUE(a && b);
    from_ = std::move(*a);
    to_ = std::move(*b);
    Directory dir(*from_);
    for (const char* n : {"101", "102", "201"}) {
      Room r;
      r.number = n;
      r.password = "Room-pass-" + std::string(n);
      r.last_name = std::string("Flat ") + n;
      ASSERT_TRUE(dir.add_room(r));
    }
    Vto v;
    v.number = "8002";
    v.password = "Vto-pass-8002";
    ASSERT_TRUE(dir.add_vto(v));
    ASSERT_TRUE(dir.set_centre_password("Centre-pass-1"));
    Settings settings(*from_);
    ASSERT_TRUE(settings.set("local.vto_number", "6901"));
    ASSERT_TRUE(settings.set("device.serial", "OVAAAAAAAAAA"));
    ASSERT_TRUE(Settings(*to_).set("device.serial", "OVBBBBBBBBBB"));
    // A blob survives the trip (a fingerprint's template).
    SQLite::Statement q(from_->connection(),
                        "INSERT INTO fingerprints (room, person, finger, template, created_ms) "
                        "VALUES ('101', 'Anna', 'right index', ?, 5)");
    const unsigned char t[] = {0, 1, 2, 255, 0, 7};
    q.bind(1, t, static_cast<int>(sizeof t));
    q.exec();
  }

  static std::vector<std::string> rooms(Database& db) {
    auto list = Directory(db).list_rooms();
    std::vector<std::string> out;
    for (const auto& r : *list) out.push_back(r.number + ":" + r.last_name + ":" + r.password);
    return out;
  }

  TempDir first_, second_;
  std::unique_ptr<Database> from_, to_;
};

TEST_F(BackupTest, RestoredOntoAFreshDeviceItHoldsTheSameConfiguration) {
  auto file = make_backup(*from_, kPassphrase, 1000);
  ASSERT_TRUE(file) << file.error().message;
  // Nothing of the configuration is readable in the file.
  EXPECT_THAT(*file, Not(HasSubstr("Room-pass-101")));
  EXPECT_THAT(*file, Not(HasSubstr("Flat 101")));
  EXPECT_THAT(*file, HasSubstr("\"format\":\"openvto-backup\""));

  auto opened = open_backup(*file, kPassphrase);
  ASSERT_TRUE(opened) << opened.error().message;
  auto preview = preview_restore(*to_, *opened);
  ASSERT_TRUE(preview);
  EXPECT_EQ(preview->counts["rooms"].now, 0u);
  EXPECT_EQ(preview->counts["rooms"].backup, 3u);
  EXPECT_EQ(preview->counts["fingerprints"].backup, 1u);
  EXPECT_EQ(preview->counts["settings"].now, 0u);  // its serial number is not counted
  EXPECT_THAT(preview->settings_changed, ::testing::Contains("local.vto_number"));
  EXPECT_THAT(preview->settings_changed, ::testing::Not(::testing::Contains("device.serial")));
  EXPECT_EQ(preview->created_ms, 1000);

  ASSERT_TRUE(restore_backup(*to_, *opened));
  EXPECT_EQ(rooms(*to_), rooms(*from_));
  EXPECT_EQ(*Directory(*to_).centre_password(), std::optional<std::string>("Centre-pass-1"));
  EXPECT_EQ(Directory(*to_).list_vtos()->size(), Directory(*from_).list_vtos()->size());
  Settings settings(*to_);
  EXPECT_EQ(*settings.get("local.vto_number"), std::optional<std::string>("6901"));
  EXPECT_EQ(*settings.get("device.serial"), std::optional<std::string>("OVBBBBBBBBBB"));
  SQLite::Statement q(to_->connection(), "SELECT template FROM fingerprints");
  ASSERT_TRUE(q.executeStep());
  const auto* blob = static_cast<const unsigned char*>(q.getColumn(0).getBlob());
  EXPECT_EQ(std::vector<unsigned char>(blob, blob + q.getColumn(0).getBytes()),
            (std::vector<unsigned char>{0, 1, 2, 255, 0, 7}));
}

TEST_F(BackupTest, AWrongPassphraseOrAChangedFileRestoresNothing) {
  auto file = make_backup(*from_, kPassphrase, 1000);
  ASSERT_TRUE(file);
  auto wrong = open_backup(*file, "not the passphrase");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().errc, Errc::Invalid);
  EXPECT_THAT(wrong.error().message, HasSubstr("wrong passphrase"));
  // A byte of the sealed content changed.
  std::string changed = *file;
  const auto at = changed.find("\"ciphertext\":\"") + 20;
  changed[at] = changed[at] == 'A' ? 'B' : 'A';
  EXPECT_THAT(open_backup(changed, kPassphrase).error().message, HasSubstr("wrong passphrase"));
  // The header's date changed: sealed with the content, so refused too.
  std::string dated = *file;
  dated.replace(dated.find("\"created_ms\":1000"), 17, "\"created_ms\":2000");
  EXPECT_THAT(open_backup(dated, kPassphrase).error().message, HasSubstr("wrong passphrase"));
  EXPECT_EQ(open_backup("hello", kPassphrase).error().message, "not an OpenVTO backup file");
  EXPECT_EQ(open_backup("{\"format\":\"openvto-backup\"}", kPassphrase).error().message,
            "not an OpenVTO backup file");
  // Fields of the wrong type are no backup either, never a throw (fuzz_backup found one).
  EXPECT_EQ(open_backup("{\"format\":1}", kPassphrase).error().message,
            "not an OpenVTO backup file");
  std::string alg = *file;
  alg.replace(alg.find("\"alg\":\"argon2id13\""), 18, "\"alg\":13");
  EXPECT_EQ(open_backup(alg, kPassphrase).error().message, "not an OpenVTO backup file");
  EXPECT_TRUE(rooms(*to_).empty());
  // A backup of a newer OpenVTO.
  std::string newer = *file;
  const std::string schema = "\"schema\":" + std::to_string(Database::latest_schema_version());
  newer.replace(newer.find(schema), schema.size(),
                "\"schema\":" + std::to_string(Database::latest_schema_version() + 1));
  EXPECT_EQ(open_backup(newer, kPassphrase).error().errc, Errc::Unsupported);
}

TEST_F(BackupTest, APassphraseHasTenCharactersAtLeast) {
  EXPECT_EQ(make_backup(*from_, "short", 1).error().message, "passphrase: 10 to 256 characters");
  EXPECT_TRUE(check_passphrase("0123456789"));
  EXPECT_FALSE(check_passphrase(std::string(257, 'x')));
}

TEST_F(BackupTest, RestoreReplacesWhatWasThere) {
  ASSERT_TRUE(Directory(*to_).add_room([] {
    Room r;
    r.number = "999";
    r.password = "Room-pass-999";
    return r;
  }()));
  auto file = make_backup(*from_, kPassphrase, 1000);
  auto opened = open_backup(*file, kPassphrase);
  ASSERT_TRUE(opened);
  ASSERT_TRUE(restore_backup(*to_, *opened));
  EXPECT_THAT(rooms(*to_), ElementsAre("101:Flat 101:Room-pass-101", "102:Flat 102:Room-pass-102",
                                       "201:Flat 201:Room-pass-201"));
}

}  // namespace
}  // namespace vto::store
