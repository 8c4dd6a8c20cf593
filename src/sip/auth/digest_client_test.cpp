#include "sip/auth/digest_client.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vto::sip::auth {
namespace {

constexpr std::string_view kSha =
    R"(Digest realm="VDP", nonce="abc", opaque="op\"q", algorithm=SHA-256, qop="auth")";
constexpr std::string_view kMd5 =
    R"(Digest realm="VDP", nonce="abc", opaque="op\"q", algorithm=MD5, qop="auth")";

Credentials parsed(const std::optional<std::string>& text) {
  EXPECT_TRUE(text.has_value());
  return parse_credentials(text.value_or("")).value();
}

std::string expected_response(const Credentials& c, Algorithm algorithm, std::string_view method,
                              std::string_view password) {
  return compute_response({.algorithm = algorithm,
                           .username = c.username,
                           .realm = c.realm,
                           .password = password,
                           .method = method,
                           .uri = c.uri,
                           .nonce = c.nonce,
                           .nc = c.nc,
                           .cnonce = c.cnonce,
                           .qop = c.qop});
}

TEST(DigestClient, AnswersSha256Challenge) {
  DigestClient client;
  auto c = parsed(client.answer(kSha, "REGISTER", "sip:VDP", "101#0", "secret"));
  EXPECT_EQ(c.username, "101#0");
  EXPECT_EQ(c.realm, "VDP");
  EXPECT_EQ(c.nonce, "abc");
  EXPECT_EQ(c.uri, "sip:VDP");
  EXPECT_EQ(c.algorithm, "SHA-256");
  EXPECT_EQ(c.opaque, "op\"q");
  EXPECT_EQ(c.qop, "auth");
  EXPECT_EQ(c.nc, "00000001");
  EXPECT_EQ(c.cnonce.size(), 32U);
  EXPECT_EQ(c.response, expected_response(c, Algorithm::Sha256, "REGISTER", "secret"));
}

TEST(DigestClient, AnswersMd5Challenge) {
  DigestClient client;
  auto c = parsed(client.answer(kMd5, "INVITE", "sip:8001@VDP", "101#0", "secret"));
  EXPECT_EQ(c.algorithm, "MD5");
  EXPECT_EQ(c.response, expected_response(c, Algorithm::Md5, "INVITE", "secret"));
}

TEST(DigestClient, CnonceIsRandomPerChallenge) {
  DigestClient a;
  DigestClient b;
  auto ca = parsed(a.answer(kSha, "REGISTER", "sip:VDP", "u", "p"));
  auto cb = parsed(b.answer(kSha, "REGISTER", "sip:VDP", "u", "p"));
  EXPECT_NE(ca.cnonce, cb.cnonce);
}

TEST(DigestClient, AuthorizationReusesChallengeWithNextCount) {
  DigestClient client;
  EXPECT_FALSE(client.authorization("REGISTER", "sip:VDP", "u", "p"));
  auto first = parsed(client.answer(kSha, "REGISTER", "sip:VDP", "u", "p"));
  auto second = parsed(client.authorization("REGISTER", "sip:VDP", "u", "p"));
  auto third = parsed(client.authorization("REGISTER", "sip:VDP", "u", "p"));
  EXPECT_EQ(second.nc, "00000002");
  EXPECT_EQ(third.nc, "00000003");
  EXPECT_EQ(second.nonce, first.nonce);
  EXPECT_NE(second.response, first.response);
  EXPECT_EQ(third.response, expected_response(third, Algorithm::Sha256, "REGISTER", "p"));
  // A new challenge starts over.
  auto fresh = parsed(client.answer(kMd5, "REGISTER", "sip:VDP", "u", "p"));
  EXPECT_EQ(fresh.nc, "00000001");
  client.reset();
  EXPECT_FALSE(client.authorization("REGISTER", "sip:VDP", "u", "p"));
}

TEST(DigestClient, PicksStrongestAmongSeveral) {
  DigestClient client;
  std::vector<std::string> offers{std::string(kMd5),
                                  "Digest realm=\"VDP\", nonce=\"n\", "
                                  "algorithm=SHA-512-256, qop=\"auth\"",
                                  std::string(kSha)};
  auto c = parsed(client.answer_best(offers, "REGISTER", "sip:VDP", "u", "p"));
  EXPECT_EQ(c.algorithm, "SHA-256");
  std::vector<std::string> md5_only{std::string(kMd5)};
  EXPECT_EQ(parsed(client.answer_best(md5_only, "REGISTER", "sip:VDP", "u", "p")).algorithm, "MD5");
  std::vector<std::string> none{"Basic realm=\"x\""};
  EXPECT_FALSE(client.answer_best(none, "REGISTER", "sip:VDP", "u", "p"));
}

TEST(DigestClient, OldServerWithoutQop) {
  DigestClient client;
  auto c =
      parsed(client.answer(R"(Digest realm="VDP", nonce="n")", "REGISTER", "sip:VDP", "u", "p"));
  EXPECT_TRUE(c.qop.empty());
  EXPECT_TRUE(c.nc.empty());
  EXPECT_TRUE(c.cnonce.empty());
  EXPECT_TRUE(c.algorithm.empty());  // not named by the server, not sent
  EXPECT_EQ(c.response, expected_response(c, Algorithm::Md5, "REGISTER", "p"));
}

TEST(DigestClient, RefusesWhatItCannotAnswer) {
  DigestClient client;
  const char* bad[] = {
      "",
      "Basic realm=\"VDP\"",
      R"(Digest realm="VDP", nonce="n", algorithm=SHA-512-256)",
      R"(Digest realm="VDP", nonce="n", qop="auth-int")",
      R"(Digest realm="VDP", nonce="n", algorithm=MD5-sess)",  // -sess needs qop
      R"(Digest realm="VDP")",
      R"(Digest realm="VDP", nonce="n)",
  };
  for (const char* text : bad) {
    EXPECT_FALSE(client.answer(text, "REGISTER", "sip:VDP", "u", "p")) << text;
  }
  // Our own values must not smuggle header lines.
  EXPECT_FALSE(client.answer(kSha, "REGISTER", "sip:VDP", "u\r\nX: y", "p"));
  EXPECT_FALSE(client.answer(kSha, "REGISTER", "sip:VDP\r\n", "u", "p"));
}

}  // namespace
}  // namespace vto::sip::auth
