#include "store/settings.h"

#include <gtest/gtest.h>

#include "store/temp_dir.h"

namespace vto::store {
namespace {

TEST(SettingsTest, ValuesAreSavedTogetherAndReadBack) {
  testing::TempDir tmp;
  auto db = Database::open(tmp.sub("data"));
  ASSERT_TRUE(db) << db.error().message;
  Settings settings(**db);
  EXPECT_FALSE(settings.get("local.vto_number")->has_value());
  ASSERT_TRUE(settings.set_many(
      {{"local.vto_number", "8001"}, {"local.building", "2"}, {"network.http_port", "80"}}));
  EXPECT_EQ(**settings.get("local.vto_number"), "8001");
  ASSERT_TRUE(settings.set("local.vto_number", "8002"));
  auto local = settings.get_prefix("local.");
  ASSERT_TRUE(local);
  EXPECT_EQ(*local, (std::map<std::string, std::string>{{"local.building", "2"},
                                                        {"local.vto_number", "8002"}}));
}

}  // namespace
}  // namespace vto::store
