#include "store/users.h"

#include <gtest/gtest.h>

#include "store/temp_dir.h"

namespace vto::store {
namespace {

// Not a real hash (hashing is accounts/'s business): the store only checks the form.
constexpr const char* kHash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";

class UsersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::open(tmp_.sub("data"));
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    users_ = std::make_unique<Users>(*db_);
  }
  User admin() { return User{"admin", Role::Admin, kHash, "it@example.org", 1000}; }

  testing::TempDir tmp_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Users> users_;
};

TEST_F(UsersTest, AFreshDeviceIsNotInitializedUntilAnAdminExists) {
  EXPECT_FALSE(*users_->initialized());
  ASSERT_TRUE(users_->initialize(admin()));
  EXPECT_TRUE(*users_->initialized());
  auto found = users_->find("admin");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ(**found, admin());
}

TEST_F(UsersTest, InitializationHappensOnce) {
  ASSERT_TRUE(users_->initialize(admin()));
  User second = admin();
  second.name = "root";
  auto again = users_->initialize(second);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().errc, Errc::Conflict);
  EXPECT_EQ(users_->list()->size(), 1u);
}

TEST_F(UsersTest, FieldsAreCheckedAndNamed) {
  User u = admin();
  u.password_hash = "plain-text-password";
  auto r = users_->initialize(u);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().errc, Errc::Invalid);
  EXPECT_NE(r.error().message.find("password"), std::string::npos);
  for (const char* email : {"nobody", "a@b", "x y@example.org", "@example.org", "a@b@c.org"}) {
    u = admin();
    u.email = email;
    auto bad = users_->initialize(u);
    ASSERT_FALSE(bad) << email;
    EXPECT_NE(bad.error().message.find("e-mail"), std::string::npos) << email;
  }
  for (const char* name : {"", "a b", "admin'--", "0123456789012345678901234567890123"}) {
    u = admin();
    u.name = name;
    auto bad = users_->initialize(u);
    ASSERT_FALSE(bad) << name;
    EXPECT_NE(bad.error().message.find("user name"), std::string::npos) << name;
  }
  u = admin();
  u.role = Role::Viewer;
  EXPECT_FALSE(users_->initialize(u));
  EXPECT_FALSE(*users_->initialized());
}

TEST_F(UsersTest, AccountsAreAddedListedAndTheirPasswordsChanged) {
  ASSERT_TRUE(users_->initialize(admin()));
  ASSERT_TRUE(users_->add(User{"guard", Role::Operator, kHash, "", 2000}));
  EXPECT_EQ(users_->add(User{"guard", Role::Viewer, kHash, "", 3000}).error().errc, Errc::Conflict);
  auto all = users_->list();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].name, "guard");
  EXPECT_EQ((*all)[1].role, Role::Operator);
  const std::string other = std::string(kHash) + "x";
  ASSERT_TRUE(users_->set_password_hash("guard", other));
  EXPECT_EQ((*users_->find("guard"))->password_hash, other);
  EXPECT_EQ(users_->set_password_hash("nobody", other).error().errc, Errc::NotFound);
  EXPECT_EQ(users_->set_password_hash("guard", "secret").error().errc, Errc::Invalid);
}

TEST_F(UsersTest, DigestKeysFollowThePassword) {
  const DigestKeys keys{std::string(32, 'a'), std::string(64, 'b')};
  User guard{"guard", Role::Operator, kHash, "", 2000, keys, /*legacy_digest=*/true};
  ASSERT_TRUE(users_->add(guard));
  EXPECT_EQ((*users_->find("guard"))->digest, keys);
  // A new password without keys clears the old ones: they must not outlive it.
  const std::string other = std::string(kHash) + "x";
  ASSERT_TRUE(users_->set_password_hash("guard", other));
  EXPECT_TRUE((*users_->find("guard"))->digest.empty());
  // Keys learnt at a login land only while the password is still the one checked.
  ASSERT_TRUE(users_->set_digest_keys("guard", kHash, keys));
  EXPECT_TRUE((*users_->find("guard"))->digest.empty());
  ASSERT_TRUE(users_->set_digest_keys("guard", other, keys));
  EXPECT_EQ((*users_->find("guard"))->digest, keys);
  EXPECT_EQ(users_->set_digest_keys("guard", other, {"ABC", ""}).error().errc, Errc::Invalid);
  EXPECT_EQ(users_->add(User{"x", Role::Viewer, kHash, "", 1, {"zz", ""}}).error().errc,
            Errc::Invalid);
}

TEST_F(UsersTest, TheMd5KeyIsKeptOnlyForAccountsThatOptInToLegacyDigest) {
  const DigestKeys keys{std::string(32, 'a'), std::string(64, 'b')};
  const DigestKeys sha_only{"", std::string(64, 'b')};
  ASSERT_TRUE(users_->add(User{"viewer", Role::Viewer, kHash, "", 2000, keys}));
  EXPECT_EQ((*users_->find("viewer"))->digest, sha_only);  // never stored
  EXPECT_FALSE((*users_->find("viewer"))->legacy_digest);
  ASSERT_TRUE(users_->set_digest_keys("viewer", kHash, keys));
  EXPECT_EQ((*users_->find("viewer"))->digest, sha_only);
  ASSERT_TRUE(users_->set_password_hash("viewer", kHash, keys));
  EXPECT_EQ((*users_->find("viewer"))->digest, sha_only);
  // Opting in with the key, then out: the key goes with it.
  ASSERT_TRUE(users_->set_legacy_digest("viewer", true, keys.md5));
  EXPECT_EQ((*users_->find("viewer"))->digest, keys);
  EXPECT_TRUE((*users_->find("viewer"))->legacy_digest);
  ASSERT_TRUE(users_->set_legacy_digest("viewer", false, keys.md5));
  EXPECT_EQ((*users_->find("viewer"))->digest, sha_only);
  // Opting in without the password: the key is learnt at the next login.
  ASSERT_TRUE(users_->set_legacy_digest("viewer", true));
  EXPECT_EQ((*users_->find("viewer"))->digest, sha_only);
  ASSERT_TRUE(users_->set_digest_keys("viewer", kHash, keys));
  EXPECT_EQ((*users_->find("viewer"))->digest, keys);
  EXPECT_EQ(users_->set_legacy_digest("nobody", true).error().errc, Errc::NotFound);
  EXPECT_EQ(users_->set_legacy_digest("viewer", true, "XYZ").error().errc, Errc::Invalid);
}

TEST_F(UsersTest, AccountsAreRemovedButNeverTheLastAdmin) {
  ASSERT_TRUE(users_->initialize(admin()));
  ASSERT_TRUE(users_->add(User{"guard", Role::Operator, kHash, "", 2000}));
  EXPECT_EQ(users_->remove("admin").error().errc, Errc::Conflict);
  EXPECT_EQ(users_->remove("nobody").error().errc, Errc::NotFound);
  ASSERT_TRUE(users_->remove("guard"));
  EXPECT_FALSE(users_->find("guard")->has_value());
  ASSERT_TRUE(users_->add(User{"admin2", Role::Admin, kHash, "", 3000}));
  EXPECT_TRUE(users_->remove("admin"));
  EXPECT_TRUE(*users_->initialized());
}

TEST(RoleTest, NamesRoundTrip) {
  for (Role r : {Role::Admin, Role::Operator, Role::Viewer}) {
    EXPECT_EQ(parse_role(role_name(r)), r);
  }
  EXPECT_FALSE(parse_role("root"));
}

}  // namespace
}  // namespace vto::store
