#include "sip/auth/digest_server.h"

#include <gtest/gtest.h>

#include <map>

#include "sip/auth/digest_client.h"

namespace vto::sip::auth {
namespace {

using namespace std::chrono_literals;

class DigestServerTest : public ::testing::Test {
 protected:
  PasswordLookup lookup() {
    return [this](std::string_view user) -> std::optional<std::string> {
      ++lookups;
      auto it = passwords.find(std::string(user));
      if (it == passwords.end()) return std::nullopt;
      return it->second;
    };
  }

  // Credentials answering the server's challenge number `index` (0: SHA-256, 1: MD5).
  Credentials answer(std::size_t index, std::string_view user, std::string_view password,
                     std::string_view method = "REGISTER") {
    auto values = server.challenges(false);
    auto text = client.answer(values.at(index), method, "sip:VDP", user, password);
    EXPECT_TRUE(text.has_value());
    return parse_credentials(*text).value();
  }

  Verdict check(const Credentials& c, std::string_view method = "REGISTER") {
    return server.verify(method, c, lookup()).verdict;
  }

  core::ManualTimers timers;
  DigestServer server{timers};
  DigestClient client;
  std::map<std::string, std::string> passwords{{"101#0", "secret"}, {"8001", "pw8001"}};
  int lookups = 0;
};

TEST_F(DigestServerTest, ChallengesOfferSha256ThenMd5WithOneNonce) {
  auto values = server.challenges(false);
  ASSERT_EQ(values.size(), 2U);
  auto sha = parse_challenge(values[0]).value();
  auto md5 = parse_challenge(values[1]).value();
  EXPECT_EQ(sha.algorithm, "SHA-256");
  EXPECT_EQ(md5.algorithm, "MD5");
  EXPECT_EQ(sha.realm, "VDP");
  EXPECT_EQ(sha.qop, "auth");
  EXPECT_FALSE(sha.opaque.empty());
  EXPECT_FALSE(sha.stale);
  EXPECT_EQ(sha.nonce, md5.nonce);
  EXPECT_TRUE(values[0].starts_with("Digest realm=\"VDP\", nonce=\""));
  EXPECT_NE(values[0].find("algorithm=SHA-256, qop=\"auth\""), std::string::npos);

  auto stale = server.challenges(true);
  EXPECT_TRUE(parse_challenge(stale[0]).value().stale);
  EXPECT_TRUE(stale[0].ends_with(", stale=true"));
  EXPECT_NE(parse_challenge(stale[0]).value().nonce, sha.nonce);  // fresh every time
}

TEST_F(DigestServerTest, RoundTripSha256) {
  auto c = answer(0, "101#0", "secret");
  EXPECT_EQ(c.algorithm, "SHA-256");
  auto v = server.verify("REGISTER", c, lookup());
  EXPECT_EQ(v.verdict, Verdict::Ok);
  EXPECT_EQ(v.username, "101#0");
}

TEST_F(DigestServerTest, RoundTripMd5) {
  auto c = answer(1, "8001", "pw8001", "INVITE");
  EXPECT_EQ(c.algorithm, "MD5");
  EXPECT_EQ(check(c, "INVITE"), Verdict::Ok);
  // The method is part of the hash.
  EXPECT_EQ(check(c, "REGISTER"), Verdict::Invalid);
}

TEST_F(DigestServerTest, StoredDigestKeysStandInForPasswords) {
  std::map<std::pair<std::string, Algorithm>, std::string> keys{
      {{"101#0", Algorithm::Md5}, digest_key(Algorithm::Md5, "101#0", "VDP", "secret")},
      {{"101#0", Algorithm::Sha256}, digest_key(Algorithm::Sha256, "101#0", "VDP", "secret")}};
  DigestKeyLookup key_of = [&](std::string_view user, Algorithm a) -> std::optional<std::string> {
    auto it = keys.find({std::string(user), a});
    if (it == keys.end()) return std::nullopt;
    return it->second;
  };
  EXPECT_EQ(server.verify_keys("REGISTER", answer(0, "101#0", "secret"), key_of).verdict,
            Verdict::Ok);
  EXPECT_EQ(server.verify_keys("REGISTER", answer(1, "101#0", "secret"), key_of).verdict,
            Verdict::Ok);
  EXPECT_EQ(server.verify_keys("REGISTER", answer(1, "101#0", "wrong"), key_of).verdict,
            Verdict::Invalid);
  EXPECT_EQ(server.verify_keys("REGISTER", answer(1, "8001", "pw8001"), key_of).verdict,
            Verdict::Invalid);
  // An account with an MD5 key only cannot answer a SHA-256 challenge.
  keys.erase({"101#0", Algorithm::Sha256});
  EXPECT_EQ(server.verify_keys("REGISTER", answer(0, "101#0", "secret"), key_of).verdict,
            Verdict::Invalid);
}

TEST_F(DigestServerTest, CachedChallengeIsReusedWithNextNonceCount) {
  auto first = answer(0, "101#0", "secret");
  EXPECT_EQ(check(first), Verdict::Ok);
  auto next = client.authorization("REGISTER", "sip:VDP", "101#0", "secret");
  ASSERT_TRUE(next);
  auto second = parse_credentials(*next).value();
  EXPECT_EQ(second.nc, "00000002");
  EXPECT_EQ(second.nonce, first.nonce);
  EXPECT_EQ(check(second), Verdict::Ok);
}

TEST_F(DigestServerTest, WrongPasswordAndUnknownUserLookAlike) {
  auto wrong = answer(0, "101#0", "guess");
  auto unknown = answer(0, "999#0", "guess");
  auto wrong_v = server.verify("REGISTER", wrong, lookup());
  const int lookups_after_wrong = lookups;
  auto unknown_v = server.verify("REGISTER", unknown, lookup());
  EXPECT_EQ(wrong_v.verdict, Verdict::Invalid);
  EXPECT_EQ(unknown_v.verdict, Verdict::Invalid);
  EXPECT_EQ(lookups_after_wrong, 1);
  EXPECT_EQ(lookups, 2);  // the unknown user went through the same path
  // An unknown user whose "password" happens to be the dummy one is refused too.
  auto dummy = answer(0, "999#0", "vto-digest-no-such-user");
  EXPECT_EQ(check(dummy), Verdict::Invalid);
}

TEST_F(DigestServerTest, ExpiredNonceIsStaleOnlyWhenOtherwiseCorrect) {
  auto good = answer(0, "101#0", "secret");
  auto bad = answer(0, "101#0", "wrong");
  timers.advance(5min + 1s);
  EXPECT_EQ(check(good), Verdict::Stale);
  EXPECT_EQ(check(bad), Verdict::Invalid);
  // The client retries on the stale=true challenge and gets in.
  auto values = server.challenges(true);
  auto retry = client.answer(values[0], "REGISTER", "sip:VDP", "101#0", "secret");
  EXPECT_EQ(check(parse_credentials(*retry).value()), Verdict::Ok);
}

TEST_F(DigestServerTest, NonceStillGoodJustBeforeExpiry) {
  auto c = answer(0, "101#0", "secret");
  timers.advance(5min - 1s);
  EXPECT_EQ(check(c), Verdict::Ok);
}

TEST_F(DigestServerTest, ReusedNonceCountIsReplay) {
  auto c = answer(0, "101#0", "secret");
  EXPECT_EQ(check(c), Verdict::Ok);
  EXPECT_EQ(check(c), Verdict::Replay);
  // Counts must strictly increase: going back is a replay too.
  auto n2 = parse_credentials(*client.authorization("REGISTER", "sip:VDP", "101#0", "secret"));
  auto n3 = parse_credentials(*client.authorization("REGISTER", "sip:VDP", "101#0", "secret"));
  EXPECT_EQ(check(*n3), Verdict::Ok);
  EXPECT_EQ(check(*n2), Verdict::Replay);
}

TEST_F(DigestServerTest, ForgedOrAlteredNonceIsNotOurs) {
  auto c = answer(0, "101#0", "secret");
  for (std::size_t i : {std::size_t{0}, c.nonce.size() / 2, c.nonce.size() - 1}) {
    Credentials altered = c;
    altered.nonce[i] = altered.nonce[i] == '0' ? '1' : '0';
    // Recompute the response as a forger would: the password is known, the key is not.
    altered.response = compute_response({.algorithm = Algorithm::Sha256,
                                         .username = altered.username,
                                         .realm = altered.realm,
                                         .password = "secret",
                                         .method = "REGISTER",
                                         .uri = altered.uri,
                                         .nonce = altered.nonce,
                                         .nc = altered.nc,
                                         .cnonce = altered.cnonce,
                                         .qop = altered.qop});
    EXPECT_EQ(check(altered), Verdict::UnknownNonce) << i;
  }
  // A nonce from another server instance (another key) is not ours either.
  DigestServer other(timers);
  auto foreign =
      client.answer(other.challenges(false)[0], "REGISTER", "sip:VDP", "101#0", "secret");
  auto fc = parse_credentials(*foreign).value();
  EXPECT_EQ(check(fc), Verdict::UnknownNonce);  // e.g. vtod restarted: challenge afresh
  fc.opaque = c.opaque;
  EXPECT_EQ(check(fc), Verdict::UnknownNonce);
  Credentials garbage = c;
  garbage.nonce = "not-a-nonce";
  EXPECT_EQ(check(garbage), Verdict::UnknownNonce);
}

TEST_F(DigestServerTest, FieldsMustMatchWhatWasOffered) {
  const auto c = answer(0, "101#0", "secret");
  auto with = [&](auto change) {
    Credentials copy = c;
    change(copy);
    return check(copy);
  };
  EXPECT_EQ(with([](Credentials& x) { x.realm = "OTHER"; }), Verdict::Invalid);
  EXPECT_EQ(with([](Credentials& x) { x.realm = "vdp"; }), Verdict::Invalid);
  EXPECT_EQ(with([](Credentials& x) { x.opaque = ""; }), Verdict::UnknownNonce);
  EXPECT_EQ(with([](Credentials& x) { x.opaque[0] ^= 1; }), Verdict::UnknownNonce);
  EXPECT_EQ(with([](Credentials& x) { x.algorithm = "SHA-512-256"; }), Verdict::Invalid);
  EXPECT_EQ(with([](Credentials& x) { x.algorithm = "SHA-256-sess"; }), Verdict::Invalid);
  EXPECT_EQ(with([](Credentials& x) { x.algorithm = "MD5"; }), Verdict::Invalid);
  EXPECT_EQ(with([](Credentials& x) { x.qop = "auth-int"; }), Verdict::Invalid);
  EXPECT_EQ(with([](Credentials& x) { x.qop = ""; }), Verdict::Invalid);
  EXPECT_EQ(with([](Credentials& x) { x.nc = "1"; }), Verdict::Invalid);
  EXPECT_EQ(with([](Credentials& x) { x.nc = "00000000"; }), Verdict::Invalid);
  EXPECT_EQ(with([](Credentials& x) { x.nc = "0000000g"; }), Verdict::Invalid);
  EXPECT_EQ(with([](Credentials& x) { x.cnonce = ""; }), Verdict::Invalid);
  EXPECT_EQ(with([](Credentials& x) { x.cnonce += "x"; }), Verdict::Invalid);
  EXPECT_EQ(with([](Credentials& x) { x.uri = "sip:other"; }), Verdict::Invalid);
  EXPECT_EQ(with([](Credentials& x) { x.username = ""; }), Verdict::Invalid);
  EXPECT_EQ(with([](Credentials& x) { x.response = ""; }), Verdict::Invalid);
  EXPECT_EQ(with([](Credentials& x) { x.response.pop_back(); }), Verdict::Invalid);
  EXPECT_EQ(with([](Credentials& x) { x.userhash = true; }), Verdict::Invalid);
  // Upper-case hex in the response is the same answer.
  EXPECT_EQ(with([](Credentials& x) {
              for (char& ch : x.response) ch = static_cast<char>(std::toupper(ch));
            }),
            Verdict::Ok);
}

TEST_F(DigestServerTest, Rfc2069CredentialsOnlyWhenAllowed) {
  // An old client: MD5, no qop, no nc, no cnonce.
  auto rfc2069 = [](const std::string& challenge) {
    auto ch = parse_challenge(challenge).value();
    Credentials c;
    c.username = "8001";
    c.realm = "VDP";
    c.nonce = ch.nonce;
    c.uri = "sip:VDP";
    c.opaque = ch.opaque;
    ResponseInput in;
    in.username = c.username;
    in.realm = c.realm;
    in.password = "pw8001";
    in.method = "REGISTER";
    in.uri = c.uri;
    in.nonce = c.nonce;
    c.response = compute_response(in);
    return c;
  };
  EXPECT_EQ(check(rfc2069(server.challenges(false)[1])), Verdict::Invalid);

  DigestConfig options;
  options.allow_rfc2069 = true;
  DigestServer lenient(timers, options);
  auto c = rfc2069(lenient.challenges(false)[1]);
  EXPECT_EQ(lenient.verify("REGISTER", c, lookup()).verdict, Verdict::Ok);
  // One request per nonce: there is no count to tell a replay from a new request.
  EXPECT_EQ(lenient.verify("REGISTER", c, lookup()).verdict, Verdict::Replay);
}

TEST_F(DigestServerTest, OptionsChangeRealmAndAlgorithms) {
  DigestConfig options;
  options.realm = "example.org";
  options.algorithms = {Algorithm::Sha256Sess};
  DigestServer custom(timers, options);
  auto values = custom.challenges(false);
  ASSERT_EQ(values.size(), 1U);
  auto text = client.answer(values[0], "REGISTER", "sip:VDP", "101#0", "secret");
  ASSERT_TRUE(text);
  auto c = parse_credentials(*text).value();
  EXPECT_EQ(c.realm, "example.org");
  EXPECT_EQ(c.algorithm, "SHA-256-sess");
  EXPECT_EQ(custom.verify("REGISTER", c, lookup()).verdict, Verdict::Ok);
  EXPECT_EQ(check(c), Verdict::Invalid);  // the default server has another realm and key
}

TEST_F(DigestServerTest, ReplayTableIsBounded) {
  DigestConfig options;
  options.max_tracked_nonces = 4;
  DigestServer small(timers, options);
  std::vector<Credentials> used;
  for (int i = 0; i < 10; ++i) {
    DigestClient c;
    auto text = c.answer(small.challenges(false)[0], "REGISTER", "sip:VDP", "101#0", "secret");
    used.push_back(parse_credentials(*text).value());
    EXPECT_EQ(small.verify("REGISTER", used.back(), lookup()).verdict, Verdict::Ok);
    EXPECT_LE(small.tracked_nonces(), 4U);
    timers.advance(1s);
  }
  // The newest still remember their counts.
  EXPECT_EQ(small.verify("REGISTER", used.back(), lookup()).verdict, Verdict::Replay);
  // Forgotten ones are not trusted afresh: they are stale, never Ok again.
  EXPECT_EQ(small.verify("REGISTER", used.front(), lookup()).verdict, Verdict::Stale);
  // Expired entries go away by themselves.
  timers.advance(6min);
  EXPECT_EQ(small.verify("REGISTER", used.back(), lookup()).verdict, Verdict::Stale);
  EXPECT_EQ(small.tracked_nonces(), 0U);
}

TEST_F(DigestServerTest, ParsedGarbageNeverVerifies) {
  const char* inputs[] = {
      R"(Digest username="101#0", realm="VDP", nonce="x", uri="sip:VDP", response="00")",
      R"(Digest username="101#0", realm="VDP", nonce="x", uri="sip:VDP", response="00", )"
      R"(qop=auth, nc=ffffffff, cnonce="c")",
  };
  for (const char* text : inputs) {
    auto c = parse_credentials(text);
    ASSERT_TRUE(c.ok()) << text;
    const Verdict v = check(*c);
    EXPECT_TRUE(v == Verdict::Invalid || v == Verdict::UnknownNonce) << text;
  }
}

}  // namespace
}  // namespace vto::sip::auth
