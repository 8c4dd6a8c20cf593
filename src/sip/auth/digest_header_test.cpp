#include "sip/auth/digest_header.h"

#include <gtest/gtest.h>

#include <string>

namespace vto::sip::auth {
namespace {

TEST(DigestHeader, ParsesRfc7616Credentials) {
  auto c = parse_credentials(
      "Digest username=\"Mufasa\",\r\n"
      "       realm=\"http-auth@example.org\", uri=\"/dir/index.html\", algorithm=SHA-256,"
      " nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001,"
      " cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth,"
      " response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\","
      " opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");
  // Header values reach us unfolded: a raw CRLF is a control character.
  EXPECT_FALSE(c.ok());

  c = parse_credentials(
      "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\","
      " algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001,"
      " cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth,"
      " response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\","
      " opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->username, "Mufasa");
  EXPECT_EQ(c->realm, "http-auth@example.org");
  EXPECT_EQ(c->uri, "/dir/index.html");
  EXPECT_EQ(c->algorithm, "SHA-256");
  EXPECT_EQ(c->nonce, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
  EXPECT_EQ(c->nc, "00000001");
  EXPECT_EQ(c->qop, "auth");
  EXPECT_EQ(c->opaque, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
  EXPECT_FALSE(c->userhash);
}

TEST(DigestHeader, SchemeAndNamesAreCaseInsensitive) {
  auto c = parse_credentials(
      "digest USERNAME=\"a\",Realm=\"VDP\",Nonce=\"n\",URI=\"sip:x\",Response=\"r\"");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->username, "a");
  EXPECT_EQ(c->uri, "sip:x");
}

TEST(DigestHeader, UsernamesWithHashAndEscapes) {
  auto c = parse_credentials(
      R"(Digest username="101#0", realm="VDP", nonce="n", uri="sip:VDP", response="r")");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->username, "101#0");
  c = parse_credentials(
      R"(Digest username="101%230", realm="VDP", nonce="n", uri="sip:VDP", response="r")");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->username, "101%230");  // left for the registrar to unescape
  c = parse_credentials(
      R"(Digest username="a\"b\\c, d", realm="VDP", nonce="n", uri="sip:VDP", response="r")");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->username, "a\"b\\c, d");
}

TEST(DigestHeader, ParsesChallenge) {
  auto c = parse_challenge(R"(Digest realm="VDP", nonce="abc", opaque="xyz", algorithm=SHA-256, )"
                           R"(qop="auth,auth-int", stale=TRUE)");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->realm, "VDP");
  EXPECT_EQ(c->nonce, "abc");
  EXPECT_EQ(c->opaque, "xyz");
  EXPECT_EQ(c->algorithm, "SHA-256");
  EXPECT_TRUE(c->stale);
  EXPECT_TRUE(qop_offers(c->qop, "auth"));
  EXPECT_TRUE(qop_offers(c->qop, "auth-int"));
  EXPECT_FALSE(qop_offers(c->qop, "aut"));
  EXPECT_TRUE(qop_offers(" auth-int , AUTH ", "auth"));
}

TEST(DigestHeader, ChallengeFollowedByAnotherScheme) {
  auto c = parse_challenge(R"(Digest realm="VDP", nonce="abc", Basic realm="x")");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->nonce, "abc");
}

TEST(DigestHeader, FormatRoundTrips) {
  Challenge ch{.realm = "V\"D\\P",
               .nonce = "n1",
               .opaque = "o",
               .algorithm = "SHA-256",
               .qop = "auth",
               .domain = "",
               .stale = true};
  const std::string text = format_challenge(ch);
  EXPECT_EQ(text, R"(Digest realm="V\"D\\P", nonce="n1", opaque="o", )"
                  R"(algorithm=SHA-256, qop="auth", stale=true)");
  auto back = parse_challenge(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->realm, ch.realm);
  EXPECT_TRUE(back->stale);

  Credentials cr{.username = "101#0",
                 .realm = "VDP",
                 .nonce = "n",
                 .uri = "sip:VDP",
                 .response = "abc",
                 .algorithm = "MD5",
                 .cnonce = "c",
                 .opaque = "o",
                 .qop = "auth",
                 .nc = "00000001"};
  auto parsed = parse_credentials(format_credentials(cr));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->username, "101#0");
  EXPECT_EQ(parsed->nc, "00000001");
  EXPECT_EQ(parsed->cnonce, "c");
}

TEST(DigestHeader, MalformedCredentialsAreErrors) {
  const std::string ok_tail = R"(realm="VDP", nonce="n", uri="u", response="r")";
  const char* bad[] = {
      "",
      " ",
      "Digest",
      "Digest ",
      "Digest    ,,, ",
      "Basic dXNlcjpwYXNz",
      "Digestusername=\"a\"",
      "Digest username=\"a",                       // unterminated
      "Digest username=\"a\\",                     // escape at the end
      "Digest username=\"a\\\"",                   // escaped closing quote
      "Digest username=",                          // no value
      "Digest username=,realm=\"VDP\"",            // empty bare value
      "Digest =\"a\"",                             // no name
      "Digest username \"a\"",                     // no '='
      "Digest username=\"a\" realm=\"VDP\"",       // no comma
      "Digest username=a\"b\", realm=\"VDP\"",     // quote inside a token
      "Digest username=\"a\x01\", realm=\"VDP\"",  // control character
      "Digest username=\"a\", username=\"b\", realm=\"VDP\", nonce=\"n\", uri=\"u\", "
      "response=\"r\"",                                                     // duplicate
      "Digest realm=\"VDP\", nonce=\"n\", uri=\"u\", response=\"r\"",       // no username
      "Digest username=\"a\", nonce=\"n\", uri=\"u\", response=\"r\"",      // no realm
      "Digest username=\"a\", realm=\"VDP\", uri=\"u\", response=\"r\"",    // no nonce
      "Digest username=\"a\", realm=\"VDP\", nonce=\"n\", response=\"r\"",  // no uri
      "Digest username=\"a\", realm=\"VDP\", nonce=\"n\", uri=\"u\"",       // no response
      "Digest username=\"a\", realm=\"VDP\", nonce=\"\", uri=\"u\", response=\"r\"",
      "Digest username=\"a\", realm=\"VDP\", nonce=\"n\", uri=\"u\", response=\"r\", qop=auth",
  };
  for (const char* text : bad) EXPECT_FALSE(parse_credentials(text).ok()) << text;
  EXPECT_TRUE(parse_credentials("Digest username=\"a\", " + ok_tail).ok());
}

TEST(DigestHeader, BoundsAreEnforced) {
  const std::string tail = R"(, realm="VDP", nonce="n", uri="u", response="r")";
  // A value over the limit.
  std::string huge_value =
      "Digest username=\"" + std::string(kMaxDigestValueSize + 1, 'a') + "\"" + tail;
  EXPECT_FALSE(parse_credentials(huge_value).ok());
  std::string huge_bare = "Digest username=" + std::string(kMaxDigestValueSize + 1, 'a') + tail;
  EXPECT_FALSE(parse_credentials(huge_bare).ok());
  // A header over the limit.
  EXPECT_FALSE(parse_credentials("Digest " + std::string(kMaxDigestHeaderSize, ',')).ok());
  // Too many parameters.
  std::string many = "Digest username=\"a\"" + tail;
  for (std::size_t i = 0; i < kMaxDigestParams; ++i) many += ", x" + std::to_string(i) + "=1";
  EXPECT_FALSE(parse_credentials(many).ok());
  // Unknown parameters within the limit are ignored.
  EXPECT_TRUE(parse_credentials("Digest username=\"a\"" + tail + ", foo=bar, baz=\"q\"").ok());
  // An unterminated quote running to the end of a long value.
  EXPECT_FALSE(parse_credentials("Digest username=\"" + std::string(4000, '\\')).ok());
}

TEST(DigestHeader, MalformedChallengesAreErrors) {
  const char* bad[] = {
      "",
      "Digest",
      "Digest realm=\"VDP\"",              // no nonce
      "Digest nonce=\"n\"",                // no realm
      "Digest realm=\"VDP\", nonce=\"n",   // unterminated
      "Digest realm=\"VDP\" nonce=\"n\"",  // no comma
      "Basic realm=\"VDP\"",
      "Digest Basic realm=\"x\"",
  };
  for (const char* text : bad) EXPECT_FALSE(parse_challenge(text).ok()) << text;
}

}  // namespace
}  // namespace vto::sip::auth
