#include "web/query.h"

#include <gtest/gtest.h>

namespace vto::web {
namespace {

TEST(QueryParam, FindsAndDecodesOneParameter) {
  EXPECT_EQ(query_param("aor=101%23&x=1", "aor").value(), "101#");
  EXPECT_EQ(query_param("x=1&aor=a+b", "aor").value(), "a b");
  EXPECT_EQ(query_param("aor", "aor").value(), "");
  EXPECT_FALSE(query_param("aorx=1&x=2", "aor").value().has_value());
  EXPECT_FALSE(query_param("", "aor").value().has_value());
}

TEST(QueryParam, RejectsBadEscapes) {
  for (const char* q : {"aor=%", "aor=%2", "aor=%zz", "aor=%00", "aor=1%2"}) {
    EXPECT_FALSE(query_param(q, "aor").ok()) << q;
  }
}

}  // namespace
}  // namespace vto::web
