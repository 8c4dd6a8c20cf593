#include "store/api_tokens.h"

#include <SQLiteCpp/Statement.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/temp_dir.h"

namespace vto::store {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::int64_t kFar = 1000 + 90LL * 24 * 3600 * 1000;

class ApiTokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::open(tmp_.sub("data"));
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    tokens_ = std::make_unique<ApiTokens>(*db_);
  }

  testing::TempDir tmp_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<ApiTokens> tokens_;
};

TEST(ApiTokenHashTest, IsSha256InHex) {
  EXPECT_EQ(api_token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(ApiTokensTest, CreateHandsOutASecretAndStoresOnlyItsHash) {
  auto made = tokens_->create("Home Assistant", Role::Operator, "admin", 1000, kFar);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_GT(made->id, 0);
  EXPECT_THAT(made->secret, StartsWith("vto_"));
  EXPECT_EQ(made->secret.size(), 4u + 43u);
  EXPECT_EQ(made->secret.find_first_not_of(
                "vto_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-", 4),
            std::string::npos);

  SQLite::Statement st(db_->connection(), "SELECT token_hash FROM api_tokens WHERE id = ?");
  st.bind(1, made->id);
  ASSERT_TRUE(st.executeStep());
  EXPECT_EQ(st.getColumn(0).getString(), api_token_hash(made->secret));
  EXPECT_EQ(st.getColumn(0).getString().find(made->secret.substr(4)), std::string::npos);

  auto other = tokens_->create("Home Assistant", Role::Operator, "admin", 1000, kFar);
  ASSERT_TRUE(other);
  EXPECT_NE(other->secret, made->secret);  // names need not be unique; secrets are
}

TEST_F(ApiTokensTest, AuthenticateFindsTheTokenAndRecordsItsUse) {
  auto made = tokens_->create("backup", Role::Viewer, "admin", 1000, kFar);
  ASSERT_TRUE(made);
  auto found = tokens_->authenticate(made->secret, 5000);
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_TRUE(*found);
  EXPECT_EQ(**found, (TokenInfo{made->id, "backup", Role::Viewer, "admin", 1000, 5000, kFar}));
  auto listed = tokens_->list();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].last_used_ms, 5000);
}

TEST_F(ApiTokensTest, UseIsRecordedOncePerMinute) {
  auto made = tokens_->create("poller", Role::Viewer, "admin", 1000, kFar);
  ASSERT_TRUE(made);
  ASSERT_TRUE(tokens_->authenticate(made->secret, 10000));
  auto soon = tokens_->authenticate(made->secret, 10000 + kTokenUseResolutionMs - 1);
  ASSERT_TRUE(soon && *soon);
  EXPECT_EQ((*soon)->last_used_ms, 10000);
  auto later = tokens_->authenticate(made->secret, 10000 + kTokenUseResolutionMs);
  ASSERT_TRUE(later && *later);
  EXPECT_EQ((*later)->last_used_ms, 10000 + kTokenUseResolutionMs);
  EXPECT_EQ((*tokens_->list())[0].last_used_ms, 10000 + kTokenUseResolutionMs);
  auto set_back = tokens_->authenticate(made->secret, 2000);  // the clock was set back
  ASSERT_TRUE(set_back && *set_back);
  EXPECT_EQ((*set_back)->last_used_ms, 2000);
}

TEST_F(ApiTokensTest, UnknownOrMalformedSecretsAuthenticateNothing) {
  auto made = tokens_->create("backup", Role::Admin, "admin", 1000, kFar);
  ASSERT_TRUE(made);
  std::string wrong = made->secret;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  for (const std::string& secret :
       {wrong, std::string(""), std::string("vto_"), made->secret.substr(4), made->secret + "x",
        "xyz_" + made->secret.substr(4), api_token_hash(made->secret)}) {
    auto found = tokens_->authenticate(secret, 2000);
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_FALSE(*found) << secret;
  }
  EXPECT_EQ((*tokens_->list())[0].last_used_ms, std::nullopt);
}

TEST_F(ApiTokensTest, NamesAreChecked) {
  for (const std::string& name :
       {std::string(""), std::string(65, 'a'), std::string("tab\there"), std::string("nl\n"),
        std::string("caf\xc3\xa9"), std::string("nul\0x", 5)}) {
    auto made = tokens_->create(name, Role::Viewer, "admin", 1000, kFar);
    ASSERT_FALSE(made) << name;
    EXPECT_EQ(made.error().errc, Errc::Invalid);
    EXPECT_THAT(made.error().message, HasSubstr("token name"));
  }
  EXPECT_TRUE(tokens_->create(std::string(64, 'a'), Role::Viewer, "admin", 1000, kFar));
  EXPECT_TRUE(tokens_->create("a", Role::Viewer, "admin", 1000, kFar));
  EXPECT_TRUE(tokens_->create("Door script #2 (garage)", Role::Viewer, "admin", 1000, kFar));
  auto nobody = tokens_->create("x", Role::Viewer, "", 1000, kFar);
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.error().errc, Errc::Invalid);
}

TEST_F(ApiTokensTest, ListIsByIdWithRoles) {
  ASSERT_TRUE(tokens_->create("one", Role::Admin, "admin", 1000, kFar));
  ASSERT_TRUE(tokens_->create("two", Role::Operator, "root", 2000, kFar));
  ASSERT_TRUE(tokens_->create("three", Role::Viewer, "admin", 3000, kFar));
  auto all = tokens_->list();
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].name, "one");
  EXPECT_EQ((*all)[0].role, Role::Admin);
  EXPECT_EQ((*all)[1].role, Role::Operator);
  EXPECT_EQ((*all)[1].created_by, "root");
  EXPECT_EQ((*all)[1].created_ms, 2000);
  EXPECT_EQ((*all)[2].role, Role::Viewer);
  EXPECT_LT((*all)[0].id, (*all)[1].id);
}

TEST_F(ApiTokensTest, RevokedTokensNoLongerAuthenticateAndIdsAreNotReused) {
  auto made = tokens_->create("old", Role::Admin, "admin", 1000, kFar);
  ASSERT_TRUE(made);
  ASSERT_TRUE(tokens_->revoke(made->id));
  auto found = tokens_->authenticate(made->secret, 2000);
  ASSERT_TRUE(found);
  EXPECT_FALSE(*found);
  auto again = tokens_->revoke(made->id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().errc, Errc::NotFound);
  auto next = tokens_->create("new", Role::Admin, "admin", 3000, kFar);
  ASSERT_TRUE(next);
  EXPECT_GT(next->id, made->id);
  EXPECT_EQ(tokens_->revoke(9999).error().errc, Errc::NotFound);
}

TEST_F(ApiTokensTest, TheTableRefusesAnUnknownRole) {
  EXPECT_ANY_THROW(db_->connection().exec(
      "INSERT INTO api_tokens (name, role, token_hash, created_ms, created_by) "
      "VALUES ('x', 'root', 'h', 0, 'admin')"));
}

TEST_F(ApiTokensTest, TokensExpire) {
  auto made = tokens_->create("nightly", Role::Viewer, "admin", 1000, 5000);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_TRUE(tokens_->authenticate(made->secret, 4999)->has_value());
  EXPECT_FALSE(tokens_->authenticate(made->secret, 5000)->has_value());
  EXPECT_EQ((*tokens_->list())[0].expires_ms, 5000);
  EXPECT_EQ(tokens_->create("past", Role::Viewer, "admin", 1000, 1000).error().errc, Errc::Invalid);
}

TEST_F(ApiTokensTest, TokensGoWithTheAccountThatMadeThem) {
  Users users(*db_);
  const char* hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  ASSERT_TRUE(users.initialize(User{"admin", Role::Admin, hash, "", 1}));
  ASSERT_TRUE(users.add(User{"installer", Role::Admin, hash, "", 1}));
  auto theirs = tokens_->create("theirs", Role::Admin, "installer", 1000, kFar);
  auto mine = tokens_->create("mine", Role::Viewer, "admin", 1000, kFar);
  auto local = tokens_->create("local", Role::Viewer, "vtoctl", 1000, kFar);
  ASSERT_TRUE(theirs && mine && local);
  ASSERT_TRUE(users.remove("installer"));
  EXPECT_FALSE(tokens_->authenticate(theirs->secret, 2000)->has_value());
  EXPECT_TRUE(tokens_->authenticate(mine->secret, 2000)->has_value());
  EXPECT_TRUE(tokens_->authenticate(local->secret, 2000)->has_value());
  EXPECT_EQ(tokens_->list()->size(), 2u);
}

}  // namespace
}  // namespace vto::store
