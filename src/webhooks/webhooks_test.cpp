#include <gtest/gtest.h>

#include "webhooks/webhook_settings.h"
#include "webhooks/webhooks.h"

namespace vto::webhooks {
namespace {

using nlohmann::json;

TEST(Webhooks, SignatureIsHmacSha256OfTimeDotBody) {
  // printf '1796640000.{"event":"ring"}' | openssl dgst -sha256 -hmac 'It-is-a-secret-16'
  EXPECT_EQ(signature("It-is-a-secret-16", 1796640000, R"({"event":"ring"})"),
            "sha256=c1f2fc1ff8503ea9b9b1536ddc2a80940f0b5c531f93f7b59be28339f48dbc93");
  EXPECT_NE(signature("It-is-a-secret-16", 1796640000, "a"),
            signature("It-is-a-secret-17", 1796640000, "a"));
  EXPECT_NE(signature("It-is-a-secret-16", 1796640000, "a"),
            signature("It-is-a-secret-16", 1796640001, "a"));
  EXPECT_EQ(signature("It-is-a-secret-16", 1, "a").size(), 7u + 64u);
}

TEST(WebhookSettings, UrlsAreCheckedAndSplit) {
  auto u = parse_url("https://receiver.lan:8443/hooks/door?x=1");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "receiver.lan");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->target, "/hooks/door?x=1");
  auto plain = parse_url("http://[::1]");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->host, "::1");
  EXPECT_EQ(plain->port, 80);
  EXPECT_EQ(plain->target, "/");
  EXPECT_EQ(parse_url("ftp://x").error().message, "url: must start with http:// or https://");
  EXPECT_EQ(parse_url("https://u:p@x/").error().message,
            "url: takes no user name or password (the signature authenticates)");
  EXPECT_EQ(parse_url("https://x:0/").error().message, "url: port must be 1 to 65535");
  EXPECT_EQ(parse_url("https:///a").error().message, "url: needs a host");
  EXPECT_EQ(parse_url("https://x/a b").error().message, "url: at most 512 characters, no spaces");
}

TEST(WebhookSettings, SecretsAreMadeKeptAndChecked) {
  auto s = from_json(json{{"endpoints", {{{"url", "https://a.lan/h"}}}}}, {});
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->endpoints.size(), 1u);
  EXPECT_EQ(s->endpoints[0].secret.size(), 32u);  // made: 16 random bytes in hex
  EXPECT_TRUE(s->endpoints[0].enabled);
  // The same URL again without a secret keeps it.
  auto again =
      from_json(json{{"endpoints", {{{"url", "https://a.lan/h"}, {"enabled", false}}}}}, *s);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->endpoints[0].secret, s->endpoints[0].secret);
  EXPECT_FALSE(again->endpoints[0].enabled);
  EXPECT_EQ(from_json(json{{"endpoints", {{{"url", "https://a/"}, {"secret", "short"}}}}}, {})
                .error()
                .message,
            "endpoints[0].secret: 16 to 128 printable characters without spaces");
  EXPECT_EQ(from_json(json{{"endpoints", {{{"url", "https://a/"}}, {{"url", "https://a/"}}}}}, {})
                .error()
                .message,
            "endpoints[1].url: already in the list");
  EXPECT_EQ(from_json(json{{"endpoints", json::array({{{"url", "x"}}})}}, {}).error().message,
            "endpoints[0].url: must start with http:// or https://");
  EXPECT_EQ(from_json(json{{"hooks", 1}}, {}).error().message, "hooks: unknown field");
  EXPECT_FALSE(from_json(json{{"endpoints", json::array({1, 2, 3, 4, 5})}}, {}));
  auto saved = from_json(to_json(*s), {});
  ASSERT_TRUE(saved);
  EXPECT_EQ(*saved, *s);
}

}  // namespace
}  // namespace vto::webhooks
