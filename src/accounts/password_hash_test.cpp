#include "accounts/password_hash.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace vto::accounts {
namespace {

using ::testing::StartsWith;

// The interactive cost keeps each hash well under a second.
const HashCost kFast = HashCost::interactive();

TEST(PasswordHashTest, HashIsArgon2idWithItsCost) {
  auto hash = hash_password("Door-7kq2Lm", kFast);
  ASSERT_TRUE(hash) << hash.error().message;
  EXPECT_THAT(*hash, StartsWith("$argon2id$"));
  EXPECT_EQ(hash->find("Door-7kq2Lm"), std::string::npos);
}

TEST(PasswordHashTest, SamePasswordHashesDifferently) {
  auto first = hash_password("Door-7kq2Lm", kFast);
  auto second = hash_password("Door-7kq2Lm", kFast);
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_NE(*first, *second);
  EXPECT_TRUE(verify_password(*first, "Door-7kq2Lm"));
  EXPECT_TRUE(verify_password(*second, "Door-7kq2Lm"));
}

TEST(PasswordHashTest, VerifyAcceptsOnlyTheRightPassword) {
  auto hash = hash_password("Door-7kq2Lm", kFast);
  ASSERT_TRUE(hash);
  EXPECT_TRUE(verify_password(*hash, "Door-7kq2Lm"));
  EXPECT_FALSE(verify_password(*hash, "door-7kq2Lm"));
  EXPECT_FALSE(verify_password(*hash, "Door-7kq2L"));
  EXPECT_FALSE(verify_password(*hash, ""));
  EXPECT_FALSE(verify_password(*hash, std::string("Door-7kq2Lm\0", 12)));
  EXPECT_FALSE(verify_password(*hash, std::string(2000, 'x')));
}

TEST(PasswordHashTest, MalformedHashNeverVerifies) {
  auto hash = hash_password("Door-7kq2Lm", kFast);
  ASSERT_TRUE(hash);
  const std::string without_tag = hash->substr(0, hash->rfind('$') + 1);
  std::string with_nul = *hash;
  with_nul.insert(10, 1, '\0');
  const std::string malformed[] = {"",
                                   "Door-7kq2Lm",
                                   "$argon2id$",
                                   "$argon2id$v=19$m=65536,t=2,p=1$",
                                   without_tag,
                                   with_nul,
                                   "$2y$10$abcdefghijklmnopqrstuuJ5c1y0ZqjYgmsrxLX5XzJv0o6lxJwS2",
                                   std::string(500, '$')};
  for (const std::string& bad : malformed) {
    EXPECT_FALSE(verify_password(bad, "Door-7kq2Lm")) << bad;
    EXPECT_TRUE(needs_rehash(bad, kFast)) << bad;
  }
  // A shortened tag still parses, but never matches.
  EXPECT_FALSE(verify_password(hash->substr(0, hash->size() - 4), "Door-7kq2Lm"));
  std::string flipped = *hash;
  char& inside_tag = flipped[flipped.size() - 10];
  inside_tag = inside_tag == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_password(flipped, "Door-7kq2Lm"));
}

TEST(PasswordHashTest, RefusesOverlongPasswordsAndNul) {
  auto longest = hash_password(std::string(kMaxHashedPasswordBytes, 'x'), kFast);
  EXPECT_TRUE(longest) << longest.error().message;

  auto too_long = hash_password(std::string(kMaxHashedPasswordBytes + 1, 'x'), kFast);
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().errc, Errc::Invalid);

  auto with_nul = hash_password(std::string("Door\0-7kq2Lm", 12), kFast);
  ASSERT_FALSE(with_nul);
  EXPECT_EQ(with_nul.error().errc, Errc::Invalid);
}

TEST(PasswordHashTest, NeedsRehashWhenTheCostDiffers) {
  auto hash = hash_password("Door-7kq2Lm", kFast);
  ASSERT_TRUE(hash);
  EXPECT_FALSE(needs_rehash(*hash, kFast));
  EXPECT_TRUE(needs_rehash(*hash, HashCost::moderate()));
  EXPECT_TRUE(needs_rehash(*hash, HashCost{kFast.ops_limit + 1, kFast.mem_limit}));
  EXPECT_TRUE(needs_rehash(*hash, HashCost{kFast.ops_limit, kFast.mem_limit * 2}));
}

TEST(PasswordHashTest, CostPresets) {
  EXPECT_NE(HashCost::moderate(), HashCost::interactive());
  EXPECT_GT(HashCost::moderate().mem_limit, HashCost::interactive().mem_limit);
}

}  // namespace
}  // namespace vto::accounts
