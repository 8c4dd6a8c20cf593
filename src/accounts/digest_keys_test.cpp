#include "accounts/digest_keys.h"

#include <gtest/gtest.h>

namespace vto::accounts {
namespace {

TEST(DigestKeysTest, AreTheHashesOfUserRealmAndPassword) {
  // md5("admin:OpenVTO:Door-pass1") and sha256 of the same, computed independently
  // (printf 'admin:OpenVTO:Door-pass1' | md5sum / sha256sum).
  const auto keys = digest_keys("admin", "Door-pass1");
  EXPECT_EQ(keys.md5, "437b248684c1ec57f21fec195748212a");
  EXPECT_EQ(keys.sha256, "a12d72456c40e929ef9ff7527aca7633e6401e696b3ff28c07261938e62acb50");
  EXPECT_TRUE(store::valid_digest_keys(keys));
  EXPECT_NE(digest_keys("admin", "Door-pass2").md5, keys.md5);
  EXPECT_NE(digest_keys("guard", "Door-pass1").md5, keys.md5);
}

}  // namespace
}  // namespace vto::accounts
