#include "access/credentials.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "access/keypad_hash.h"
#include "store/directory.h"
#include "store/temp_dir.h"

namespace vto::access {
namespace {

using ::testing::HasSubstr;

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open(tmp_.sub("data"));
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    store::Directory dir(*db_);
    for (const char* room : {"101", "102"}) {
      ASSERT_TRUE(dir.add_room(store::Room{room, "", "", "", "public", "Room-pass1"}));
    }
  }

  store::testing::TempDir tmp_;
  std::unique_ptr<store::Database> db_;
};

Card card(std::string number, std::string room = "101", std::string person = "") {
  Card c;
  c.number = std::move(number);
  c.room = std::move(room);
  c.person = std::move(person);
  return c;
}

TEST_F(CredentialsTest, CardsAreStoredByTheirNormalisedNumber) {
  Cards cards(*db_);
  Card c = card("1a2b3c4d", "101", "Anna Berg");
  c.valid_from_ms = 1000;
  c.valid_to_ms = 2000;
  ASSERT_TRUE(cards.add(c));
  auto found = cards.find("1A2B3C4D");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->number, "1A2B3C4D");
  EXPECT_EQ((*found)->person, "Anna Berg");
  EXPECT_EQ((*found)->valid_to_ms, 2000);
  EXPECT_EQ((*found)->status, CardStatus::Normal);
  EXPECT_FALSE(*cards.find("1a2b3c4d"));  // lookups take the stored form

  auto again = cards.add(card("1A2B3C4D"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().errc, Errc::Conflict);

  c.status = CardStatus::Lost;
  ASSERT_TRUE(cards.update(c));
  EXPECT_EQ((*cards.find("1A2B3C4D"))->status, CardStatus::Lost);
  EXPECT_EQ(cards.update(card("FFFF")).error().errc, Errc::NotFound);
  ASSERT_TRUE(cards.remove("1a2b3c4d"));
  EXPECT_EQ(cards.remove("1A2B3C4D").error().errc, Errc::NotFound);
}

TEST_F(CredentialsTest, CardRulesNameTheField) {
  Cards cards(*db_);
  const std::pair<Card, std::string> bad[] = {
      {card("12"), "number: 4 to 16 hexadecimal digits"},
      {card("12G4"), "number: only hexadecimal digits"},
      {card("1234", "", ""), "card: give the owner's room, name, or both"},
      {card("1234", "999"), "room: room 999 does not exist"},
      {card("1234", "", std::string(33, 'x')), "person: at most 32 characters"},
      {card("1234", "", "a\tb"), "person: at most 32 characters, no control characters"},
  };
  for (const auto& [c, message] : bad) {
    auto r = cards.add(c);
    ASSERT_FALSE(r) << message;
    EXPECT_EQ(r.error().errc, Errc::Invalid) << message;
    EXPECT_THAT(r.error().message, HasSubstr(message));
  }
  Card dates = card("1234");
  dates.valid_from_ms = 5000;
  dates.valid_to_ms = 4000;
  EXPECT_EQ(cards.add(dates).error().message, "valid_to: before valid_from");
  EXPECT_EQ(*cards.count({}), 0u);
}

TEST_F(CredentialsTest, ListsFilterAndPage) {
  Cards cards(*db_);
  for (int i = 0; i < 30; ++i) {
    Card c = card("A" + std::to_string(1000 + i), i % 3 == 0 ? "102" : "101");
    if (i % 10 == 0) c.status = CardStatus::Frozen;
    ASSERT_TRUE(cards.add(c));
  }
  EXPECT_EQ(*cards.count({}), 30u);
  CardQuery q;
  q.room = "102";
  EXPECT_EQ(*cards.count(q), 10u);
  q = {};
  q.status = CardStatus::Frozen;
  EXPECT_EQ(*cards.count(q), 3u);
  q = {};
  q.number_prefix = "A101";
  EXPECT_EQ(*cards.count(q), 10u);
  q.limit = 4;
  q.offset = 8;
  auto page = cards.list(q);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].number, "A1018");
  q.limit = 501;
  EXPECT_FALSE(cards.list(q));
  // A part of the number, room or person, in any case; '%' and '_' are themselves.
  ASSERT_TRUE(cards.add(card("BEEF01", "", "Dora 100%")));
  q = {};
  q.text = "dora";
  EXPECT_EQ(*cards.count(q), 1u);
  q.text = "100%";
  EXPECT_EQ(*cards.count(q), 1u);
  q.text = "_";
  EXPECT_EQ(*cards.count(q), 0u);
  q.text = "a1019";
  EXPECT_EQ(*cards.count(q), 1u);
  q.text = "102";
  // Room 102 (10 cards) or A1020..A1029 (10), three of them both.
  EXPECT_EQ(*cards.count(q), 17u);
}

TEST_F(CredentialsTest, AnImportAddsAllOrNothing) {
  Cards cards(*db_);
  ASSERT_TRUE(cards.add(card("AAAA", "101", "Old owner")));
  std::vector<Card> batch{card("aaaa", "102", "New owner"), card("BBBB"),
                          card("CCCC", "", "Guest")};
  auto n = cards.import(batch);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 3u);
  EXPECT_EQ((*cards.find("AAAA"))->person, "New owner");  // replaced
  EXPECT_EQ(*cards.count({}), 3u);

  batch = {card("DDDD"), card("EEEE", "777"), card("FFFF")};
  auto bad = cards.import(batch);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "cards[1].room: room 777 does not exist");
  batch = {card("DDDD"), card("EE")};
  EXPECT_THAT(cards.import(batch).error().message, HasSubstr("cards[1].number"));
  EXPECT_EQ(*cards.count({}), 3u);
  EXPECT_FALSE(*cards.find("DDDD"));
}

TEST_F(CredentialsTest, ARoomsCredentialsGoWithTheRoom) {
  Cards cards(*db_);
  Fingerprints prints(*db_);
  KeypadCodes codes(*db_);
  ASSERT_TRUE(cards.add(card("1111", "101")));
  ASSERT_TRUE(cards.add(card("2222", "102")));
  ASSERT_TRUE(prints.add({0, "101", "", "right index", {1, 2, 3}, 5}));
  ASSERT_TRUE(codes.set({CodeKind::Room, "101"}, std::string(64, 'a'), 1));
  ASSERT_TRUE(codes.set({CodeKind::Public, ""}, std::string(64, 'b'), 1));
  ASSERT_TRUE(store::Directory(*db_).remove_room("101"));
  EXPECT_FALSE(*cards.find("1111"));
  EXPECT_TRUE(*cards.find("2222"));
  EXPECT_TRUE(prints.list()->empty());
  ASSERT_EQ(codes.list()->size(), 1u);
  EXPECT_EQ((*codes.list())[0].owner.kind, CodeKind::Public);
}

TEST_F(CredentialsTest, FingerprintsKeepTheModulesTemplate) {
  Fingerprints prints(*db_);
  auto id = prints.add({0, "101", "Anna", "right index", {9, 8, 7}, 1234});
  ASSERT_TRUE(id) << id.error().message;
  auto found = prints.find(*id);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->template_data, (std::vector<std::uint8_t>{9, 8, 7}));
  EXPECT_EQ((*found)->finger, "right index");
  EXPECT_EQ(prints.add({0, "", "", "x", {1}, 0}).error().errc, Errc::Invalid);
  EXPECT_EQ(prints.add({0, "101", "", "x", {}, 0}).error().errc, Errc::Invalid);
  ASSERT_TRUE(prints.remove(*id));
  EXPECT_EQ(prints.remove(*id).error().errc, Errc::NotFound);
}

TEST_F(CredentialsTest, KeypadPasswordsAreUniqueHashes) {
  KeypadCodes codes(*db_);
  const KeypadHasher hasher(std::array<std::uint8_t, 16>{1, 2, 3});
  const std::string h1 = hasher.hash("123456");
  EXPECT_EQ(h1.size(), 64u);
  EXPECT_EQ(h1, hasher.hash("123456"));  // one password, one hash: found by lookup
  EXPECT_NE(h1, hasher.hash("123457"));
  EXPECT_NE(h1, KeypadHasher(std::array<std::uint8_t, 16>{9}).hash("123456"));  // keyed

  ASSERT_TRUE(codes.set({CodeKind::Public, ""}, h1, 10));
  ASSERT_TRUE(codes.set({CodeKind::Public, ""}, h1, 11));  // the same again is fine
  auto taken = codes.set({CodeKind::Room, "101"}, h1, 12);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().errc, Errc::Conflict);
  EXPECT_EQ(codes.set({CodeKind::Room, "999"}, hasher.hash("4444"), 12).error().message,
            "room: room 999 does not exist");
  ASSERT_TRUE(codes.set({CodeKind::Room, "101"}, hasher.hash("1010"), 12));
  ASSERT_TRUE(codes.set({CodeKind::Duress, ""}, hasher.hash("9999"), 13));

  EXPECT_EQ(**codes.find(h1), (CodeOwner{CodeKind::Public, ""}));
  EXPECT_EQ(**codes.find(hasher.hash("1010")), (CodeOwner{CodeKind::Room, "101"}));
  EXPECT_EQ(**codes.find(hasher.hash("9999")), (CodeOwner{CodeKind::Duress, ""}));
  EXPECT_FALSE(*codes.find(hasher.hash("0000")));
  EXPECT_EQ(codes.list()->size(), 3u);
  ASSERT_TRUE(codes.clear({CodeKind::Public, ""}));
  EXPECT_FALSE(*codes.find(h1));
  EXPECT_EQ(codes.clear({CodeKind::Public, ""}).error().errc, Errc::NotFound);

  EXPECT_TRUE(check_code("1234"));
  EXPECT_TRUE(check_code("12345678"));
  for (const char* bad : {"", "123", "123456789", "12a4", "12 34"}) {
    EXPECT_FALSE(check_code(bad)) << bad;
  }
}

TEST_F(CredentialsTest, TheKeypadKeyIsMadeOnceAndKeptPrivate) {
  auto first = KeypadHasher::open(tmp_.sub("data"));
  ASSERT_TRUE(first) << first.error().message;
  auto second = KeypadHasher::open(tmp_.sub("data"));
  ASSERT_TRUE(second);
  EXPECT_EQ(first->hash("2468"), second->hash("2468"));
  const auto perms = std::filesystem::status(tmp_.sub("data/keys/keypad.key")).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(std::filesystem::file_size(tmp_.sub("data/keys/keypad.key")), 16u);
}

}  // namespace
}  // namespace vto::access
