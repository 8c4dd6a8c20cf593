#include "mqtt/mqtt_settings.h"

#include <gtest/gtest.h>

namespace vto::mqtt {
namespace {

using nlohmann::json;

TEST(MqttSettings, UrlGivesBrokerUserAndPassword) {
  auto s = parse_mqtt_url("mqtt://door:p%40ss%3Aword@127.0.0.1:1884");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->enabled);
  EXPECT_FALSE(s->tls);
  EXPECT_EQ(s->host, "127.0.0.1");
  EXPECT_EQ(s->port, 1884);
  EXPECT_EQ(s->username, "door");
  EXPECT_EQ(s->password, "p@ss:word");
  auto tls = parse_mqtt_url("mqtts://broker.lan");
  ASSERT_TRUE(tls);
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->port, 8883);
  EXPECT_TRUE(tls->username.empty());
  auto v6 = parse_mqtt_url("mqtt://[::1]:1883/");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
}

TEST(MqttSettings, BadUrlsSayWhatIsWrong) {
  EXPECT_EQ(parse_mqtt_url("http://x").error().message, "url: must start with mqtt:// or mqtts://");
  EXPECT_EQ(parse_mqtt_url("mqtt://x:0").error().message, "port: must be 1 to 65535");
  EXPECT_EQ(parse_mqtt_url("mqtt://x:99999").error().message, "port: must be 1 to 65535");
  EXPECT_EQ(parse_mqtt_url("mqtt://").error().message, "host: the broker's address is required");
  EXPECT_EQ(parse_mqtt_url("mqtt://u:%4@x").error().message,
            "password: a % must be followed by two hex digits");
  EXPECT_EQ(parse_mqtt_url("mqtt://x/topic").error().message, "url: takes no path");
  EXPECT_EQ(parse_mqtt_url("mqtt://:pw@x").error().message,
            "username: a password needs a user name");
}

TEST(MqttSettings, UnlockNeedsALocalBrokerOrTls) {
  MqttSettings s;
  s.enabled = true;
  s.host = "192.168.1.20";
  s.unlock = true;
  EXPECT_EQ(check(s).error().message,
            "unlock: the door opens from the broker only over TLS or with the broker on this host");
  s.tls = true;
  EXPECT_TRUE(check(s));
  s.tls = false;
  s.host = "127.0.0.1";
  EXPECT_TRUE(check(s));
  s.host = "localhost";
  EXPECT_TRUE(check(s));
  EXPECT_FALSE(is_local_host("192.168.1.127"));
}

TEST(MqttSettings, ThePasswordIsNeverShownAndKeptWhenNotGiven) {
  MqttSettings s;
  s.enabled = true;
  s.host = "broker";
  s.username = "door";
  s.password = "secret";
  const json shown = to_public_json(s);
  EXPECT_FALSE(shown.contains("password"));
  EXPECT_EQ(shown["password_set"], true);
  EXPECT_EQ(shown.dump().find("secret"), std::string::npos);
  auto same = from_put_json(json{{"port", 1884}, {"password", ""}}, s);
  ASSERT_TRUE(same);
  EXPECT_EQ(same->password, "secret");
  EXPECT_EQ(same->port, 1884);
  auto cleared = from_put_json(json{{"clear_password", true}, {"username", ""}}, s);
  ASSERT_TRUE(cleared) << cleared.error().message;
  EXPECT_TRUE(cleared->password.empty());
  auto saved = from_saved_json(to_saved_json(s));
  ASSERT_TRUE(saved);
  EXPECT_EQ(*saved, s);
}

TEST(MqttSettings, PutRefusesUnknownFieldsAndBadValues) {
  const MqttSettings s;
  EXPECT_EQ(from_put_json(json{{"colour", 1}}, s).error().message, "colour: unknown field");
  EXPECT_EQ(from_put_json(json{{"qos", 3}}, s).error().message, "qos: must be 0, 1 or 2");
  EXPECT_EQ(from_put_json(json{{"tls", "yes"}}, s).error().message, "tls: must be true or false");
  EXPECT_EQ(from_put_json(json{{"topic_prefix", "a/#"}}, s).error().message,
            "topic_prefix: 1 to 64 characters of A-Z, a-z, 0-9, _, - and / between levels");
  EXPECT_EQ(from_put_json(json{{"topic_prefix", "/a"}}, s).error().errc, Errc::Invalid);
  EXPECT_EQ(from_put_json(json{{"ca_pem", "hello"}}, s).error().message,
            "ca_pem: must be PEM certificates (-----BEGIN CERTIFICATE-----)");
  EXPECT_EQ(from_put_json(json{{"enabled", true}}, s).error().message,
            "host: the broker's address is required");
  EXPECT_TRUE(from_put_json(json{{"topic_prefix", "home/doors"}}, s));
}

}  // namespace
}  // namespace vto::mqtt
