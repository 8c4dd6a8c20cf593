#include "api/auth/viewer_auth.h"

#include <gtest/gtest.h>

#include <cctype>

#include "accounts/digest_keys.h"
#include "sip/auth/digest_client.h"
#include "sip/auth/digest_hash.h"
#include "store/temp_dir.h"

namespace vto::api {
namespace {

constexpr const char* kHash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";

class ViewerAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = tmp_.sub("data");
    auto db = store::Database::open(dir);
    ASSERT_TRUE(db);
    db_ = std::move(*db);
    store::Users users(*db_);
    // Players speak MD5 digest only: the accounts that watch with one opt in to it.
    ASSERT_TRUE(users.initialize({"admin", store::Role::Admin, kHash, "", 1,
                                  accounts::digest_keys("admin", "Door-pass1"), true}));
    ASSERT_TRUE(users.add({"guard", store::Role::Viewer, kHash, "", 2,
                           accounts::digest_keys("guard", "Guard-pass1"), true}));
    ASSERT_TRUE(users.add({"old", store::Role::Operator, kHash, "", 3, {}, true}));  // no keys yet
    ASSERT_TRUE(users.add({"modern", store::Role::Viewer, kHash, "", 4,
                           accounts::digest_keys("modern", "Modern-pass1")}));
    auto auth = ViewerAuth::open(dir, timers_);
    ASSERT_TRUE(auth);
    auth_ = std::move(*auth);
  }

  // An Authorization header answering a fresh challenge, as a player computes it.
  std::string answer(const std::string& user, const std::string& password,
                     const std::string& method = "DESCRIBE") {
    const auto challenges = auth_->challenges(false);
    EXPECT_EQ(challenges.size(), 1u);
    auto header = client_.answer(challenges.front(), method, "rtsp://127.0.0.1/cam/realmonitor",
                                 user, password);
    EXPECT_TRUE(header.has_value());
    return header.value_or("");
  }

  store::testing::TempDir tmp_;
  core::ManualTimers timers_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<ViewerAuth> auth_;
  sip::auth::DigestClient client_;
};

using Kind = ViewerVerdict::Kind;

TEST_F(ViewerAuthTest, ChallengesAreMd5DigestInTheOpenVtoRealm) {
  const auto c = auth_->challenges(false);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_TRUE(c.front().starts_with("Digest realm=\"OpenVTO\""));
  EXPECT_NE(c.front().find("algorithm=MD5"), std::string::npos);
}

TEST_F(ViewerAuthTest, AccountsWithTheirPasswordMayWatch) {
  const auto v = auth_->check("DESCRIBE", answer("admin", "Door-pass1"), "127.0.0.1");
  EXPECT_EQ(v.kind, Kind::Ok);
  EXPECT_EQ(v.user, "admin");
  EXPECT_EQ(auth_->check("DESCRIBE", answer("admin", "Wrong-pass1"), "127.0.0.1").kind,
            Kind::Challenge);
  EXPECT_EQ(auth_->check("DESCRIBE", answer("nobody", "Door-pass1"), "127.0.0.1").kind,
            Kind::Challenge);
  EXPECT_EQ(auth_->check("DESCRIBE", "", "127.0.0.1").kind, Kind::Challenge);
  EXPECT_EQ(auth_->check("DESCRIBE", "Basic YWRtaW46RG9vci1wYXNzMQ==", "127.0.0.1").kind,
            Kind::Challenge);
  // An account without digest keys (older than them) cannot, whatever it sends.
  EXPECT_EQ(auth_->check("DESCRIBE", answer("old", "Old-pass1"), "127.0.0.1").kind,
            Kind::Challenge);
  // Nor one that did not opt in to legacy digest: no MD5 key of it is kept.
  EXPECT_EQ(auth_->check("DESCRIBE", answer("modern", "Modern-pass1"), "127.0.0.1").kind,
            Kind::Challenge);
}

TEST_F(ViewerAuthTest, AnAnswerIsNotGoodTwice) {
  const std::string header = answer("admin", "Door-pass1");
  EXPECT_EQ(auth_->check("DESCRIBE", header, "127.0.0.1").kind, Kind::Ok);
  // Challenged again (stale: the client answers the fresh nonce without asking anyone).
  EXPECT_EQ(auth_->check("DESCRIBE", header, "127.0.0.1").kind, Kind::Stale);
}

TEST_F(ViewerAuthTest, AnswersWithoutQopAreTakenOncePerNonce) {
  // GStreamer's RTSP client answers the RFC 2069 way: no qop, nc or cnonce.
  const auto challenge = sip::auth::parse_challenge(auth_->challenges(false).front()).value();
  sip::auth::Credentials c;
  c.username = "admin";
  c.realm = challenge.realm;
  c.nonce = challenge.nonce;
  c.opaque = challenge.opaque;
  c.uri = "rtsp://127.0.0.1/cam/realmonitor";
  c.algorithm = "MD5";
  const auto respond = [&](std::string_view password) {
    return sip::auth::compute_response({.algorithm = sip::auth::Algorithm::Md5,
                                        .username = "admin",
                                        .realm = challenge.realm,
                                        .password = password,
                                        .method = "DESCRIBE",
                                        .uri = c.uri,
                                        .nonce = c.nonce,
                                        .nc = {},
                                        .cnonce = {},
                                        .qop = {}});
  };
  c.response = respond("Door-pass1");
  const std::string header = sip::auth::format_credentials(c);
  EXPECT_EQ(auth_->check("DESCRIBE", header, "127.0.0.1").kind, Kind::Ok);
  EXPECT_EQ(auth_->check("DESCRIBE", header, "127.0.0.1").kind, Kind::Stale);
  c.response = respond("Wrong-pass1");
  EXPECT_EQ(auth_->check("DESCRIBE", sip::auth::format_credentials(c), "127.0.0.1").kind,
            Kind::Challenge);
}

TEST_F(ViewerAuthTest, RolesThatMayNotWatchAreForbidden) {
  auth_->set_watch_roles({store::Role::Admin, store::Role::Operator});
  const auto v = auth_->check("DESCRIBE", answer("guard", "Guard-pass1"), "127.0.0.1");
  EXPECT_EQ(v.kind, Kind::Forbidden);
  EXPECT_EQ(v.user, "guard");
  EXPECT_EQ(auth_->check("DESCRIBE", answer("admin", "Door-pass1"), "127.0.0.1").kind, Kind::Ok);
}

TEST_F(ViewerAuthTest, FiveWrongAnswersLockThatUserFromThatAddress) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(auth_->check("DESCRIBE", answer("admin", "Wrong-pass1"), "10.0.0.9").kind,
              Kind::Challenge);
  }
  // Locked: even the right password is refused from there, for five minutes...
  EXPECT_EQ(auth_->check("DESCRIBE", answer("admin", "Door-pass1"), "10.0.0.9").kind,
            Kind::Challenge);
  EXPECT_EQ(auth_->check("DESCRIBE", answer("admin", "Door-pass1"), "127.0.0.1").kind, Kind::Ok);
  timers_.advance(std::chrono::minutes(5) + std::chrono::seconds(1));
  EXPECT_EQ(auth_->check("DESCRIBE", answer("admin", "Door-pass1"), "10.0.0.9").kind, Kind::Ok);
}

TEST_F(ViewerAuthTest, TheSecurityPagesFiguresApplyAndEveryFailureIsReported) {
  std::vector<std::string> actions;
  auth_->set_observer([&](const std::string& user, const std::string& address,
                          const std::string& action, const std::string&) {
    EXPECT_EQ(user, "admin");
    EXPECT_EQ(address, "10.0.0.9");
    actions.push_back(action);
  });
  auth_->set_lockout(3, std::chrono::minutes(10));
  for (int i = 0; i < 3; ++i) auth_->check("DESCRIBE", answer("admin", "Wrong-pass1"), "10.0.0.9");
  EXPECT_EQ(actions, (std::vector<std::string>{"digest_failed", "digest_failed", "digest_failed",
                                               "digest_locked"}));
  timers_.advance(std::chrono::minutes(6));  // longer than the default lock, not this one
  EXPECT_EQ(auth_->check("DESCRIBE", answer("admin", "Door-pass1"), "10.0.0.9").kind,
            Kind::Challenge);
}

TEST_F(ViewerAuthTest, ASourceGuessingManyUsersIsRefused) {
  auth_->set_lockout(3, std::chrono::minutes(5));
  // Four times the figure, spread over users so that no user is locked.
  for (int i = 0; i < 12; ++i) {
    const std::string user = "user" + std::to_string(i % 6);
    auth_->check("DESCRIBE", answer(user, "Wrong-pass1"), "2001:db8:1:2::" + std::to_string(i));
  }
  // Any address of that /64 is refused now, even with the right password.
  EXPECT_EQ(auth_->check("DESCRIBE", answer("admin", "Door-pass1"), "2001:db8:1:2::99").kind,
            Kind::Challenge);
  EXPECT_EQ(auth_->check("DESCRIBE", answer("admin", "Door-pass1"), "2001:db8:1:3::1").kind,
            Kind::Ok);
}

std::string upper_md5(const std::string& text) {
  std::string h = sip::auth::hex_hash(sip::auth::Algorithm::Md5, text);
  for (char& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return h;
}

// Port 5000's login: UPPER(MD5(user:random:UPPER(MD5(user:realm:password)))).
std::string login_hash(const std::string& user, const std::string& password,
                       const std::string& random) {
  return upper_md5(user + ":" + random + ":" + upper_md5(user + ":OpenVTO:" + password));
}

TEST_F(ViewerAuthTest, ThePort5000LoginHashNeedsTheRightPasswordAndLegacyDigest) {
  auto v =
      auth_->check_login_hash("guard", "r1", login_hash("guard", "Guard-pass1", "r1"), "10.0.0.9");
  EXPECT_EQ(v.kind, Kind::Ok);
  EXPECT_EQ(v.user, "guard");
  EXPECT_EQ(v.role, store::Role::Viewer);
  // Another challenge's random, a wrong password, a user without an MD5 key: refused.
  EXPECT_EQ(
      auth_->check_login_hash("guard", "r2", login_hash("guard", "Guard-pass1", "r1"), "10.0.0.9")
          .kind,
      Kind::Challenge);
  EXPECT_EQ(
      auth_->check_login_hash("modern", "r", login_hash("modern", "Modern-pass1", "r"), "10.0.0.9")
          .kind,
      Kind::Challenge);
  EXPECT_EQ(auth_->check_login_hash("nobody", "r", login_hash("nobody", "x", "r"), "10.0.0.9").kind,
            Kind::Challenge);
  // Five wrong ones lock guard from that address, whatever comes next.
  for (int i = 0; i < 5; ++i)
    auth_->check_login_hash("guard", "r", login_hash("guard", "Wrong-1", "r"), "10.0.0.7");
  EXPECT_EQ(
      auth_->check_login_hash("guard", "r", login_hash("guard", "Guard-pass1", "r"), "10.0.0.7")
          .kind,
      Kind::Challenge);
  EXPECT_EQ(
      auth_->check_login_hash("guard", "r", login_hash("guard", "Guard-pass1", "r"), "10.0.0.9")
          .kind,
      Kind::Ok);
}

TEST_F(ViewerAuthTest, IdentifyGivesTheRoleWhateverMayWatch) {
  auth_->set_watch_roles({store::Role::Admin});
  const auto v = auth_->identify("GET", answer("guard", "Guard-pass1", "GET"), "10.0.0.5");
  EXPECT_EQ(v.kind, Kind::Ok);
  EXPECT_EQ(v.role, store::Role::Viewer);
  EXPECT_EQ(auth_->check("GET", answer("guard", "Guard-pass1", "GET"), "10.0.0.5").kind,
            Kind::Forbidden);
}

}  // namespace
}  // namespace vto::api
