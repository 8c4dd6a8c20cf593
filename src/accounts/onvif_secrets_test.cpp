#include "accounts/onvif_secrets.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "store/temp_dir.h"

namespace vto::accounts {
namespace {

TEST(OnvifSecrets, SealedPasswordsOpenOnlyWithTheirKey) {
  store::testing::TempDir dir;
  auto secrets = OnvifSecrets::open(dir.path().string());
  ASSERT_TRUE(secrets) << secrets.error().message;
  const std::string sealed = secrets->seal("Onvif-pass-1");
  EXPECT_EQ(sealed.find("Onvif"), std::string::npos);
  EXPECT_NE(secrets->seal("Onvif-pass-1"), sealed);  // a new nonce each time
  EXPECT_EQ(*secrets->unseal(sealed), "Onvif-pass-1");
  // The key is kept: opened again, the same key.
  auto again = OnvifSecrets::open(dir.path().string());
  ASSERT_TRUE(again);
  EXPECT_EQ(*again->unseal(sealed), "Onvif-pass-1");
  struct stat st {};
  ASSERT_EQ(::stat((dir.path().string() + "/keys/onvif.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  // Another device's key, a changed byte, not base64: refused.
  OnvifSecrets other(std::array<std::uint8_t, 32>{1});
  EXPECT_EQ(other.unseal(sealed).error().errc, Errc::Invalid);
  std::string changed = sealed;
  changed[30] = changed[30] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(secrets->unseal(changed));
  EXPECT_FALSE(secrets->unseal("***"));
  EXPECT_FALSE(secrets->unseal(""));
}

}  // namespace
}  // namespace vto::accounts
