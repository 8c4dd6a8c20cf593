#include "api/security_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "store/database.h"
#include "store/temp_dir.h"

namespace vto::api {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(LockoutProblem, NamesTheCallerLeftOut) {
  auto list = AllowList::parse({"10.0.0.0/8"});
  ASSERT_TRUE(list);
  EXPECT_FALSE(lockout_problem(*list, "10.1.2.3"));
  EXPECT_FALSE(lockout_problem(*list, "::ffff:10.1.2.3"));
  EXPECT_FALSE(lockout_problem(*list, "127.0.0.1"));
  EXPECT_FALSE(lockout_problem(AllowList{}, "192.168.1.5"));
  auto problem = lockout_problem(*list, "192.168.1.5");
  ASSERT_TRUE(problem);
  EXPECT_THAT(*problem, HasSubstr("your address 192.168.1.5 would be locked out"));
  problem = lockout_problem(*list, "::ffff:192.168.1.5");
  ASSERT_TRUE(problem);
  EXPECT_THAT(*problem, HasSubstr("your address 192.168.1.5 "));
}

class SecurityApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::Database::open(tmp_.sub("data"));
    ASSERT_TRUE(opened) << opened.error().message;
    db_ = std::move(*opened);
    settings_ = std::make_unique<store::Settings>(*db_);
    auto identity = web::load_or_create(tls_dir(), {});
    ASSERT_TRUE(identity) << identity.error().message;
    state_.certificate_pem = identity->certificate_pem;
    SecurityCallbacks hooks;
    hooks.tls_dir = tls_dir();
    hooks.self_signed.common_name = "Regenerated";
    hooks.self_signed.dns_names = {"vto.local"};
    hooks.apply_certificate = [this](const web::TlsIdentity& id) -> Result<void> {
      applied_certificates_.push_back(id);
      if (!certificate_error_.empty()) return make_error(certificate_error_);
      return {};
    };
    hooks.apply_allow_list = [this](const AllowList& list) { applied_lists_.push_back(list); };
    hooks.apply_login_policy = [this](const LoginPolicy& p) { applied_logins_.push_back(p); };
    hooks.set_http_service = [this](bool on) -> Result<void> {
      if (service_error_) return *service_error_;
      http_calls_.push_back(on);
      return {};
    };
    api_ = std::make_unique<SecurityApi>(
        *settings_, state_, hooks,
        [this](const Principal& who, const std::string& action, const std::string& detail) {
          audits_.push_back(who.user + " " + action + " " + detail);
        });
  }

  std::string tls_dir() const { return tmp_.sub("tls"); }

  static web::HttpRequest request(const json& body, const std::string& from = "192.168.1.5") {
    web::HttpRequest req;
    req.method = "PUT";
    req.content_type = "application/json";
    req.body = body.dump();
    req.remote_ip = from;
    return req;
  }

  static json body_of(const web::HttpResponse& r) { return json::parse(r.body); }

  store::testing::TempDir tmp_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<store::Settings> settings_;
  SecurityState state_;
  std::unique_ptr<SecurityApi> api_;
  Principal admin_{"admin", store::Role::Admin, "192.168.1.5", false, "admin"};
  std::vector<web::TlsIdentity> applied_certificates_;
  std::string certificate_error_;
  std::vector<AllowList> applied_lists_;
  std::vector<bool> http_calls_;
  std::vector<LoginPolicy> applied_logins_;
  std::optional<Error> service_error_;
  std::vector<std::string> audits_;
};

TEST_F(SecurityApiTest, LoadSecurityHasDefaults) {
  auto loaded = load_security(*settings_);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->allow_list.empty());
  EXPECT_TRUE(loaded->http_service);
  EXPECT_EQ(loaded->login, (LoginPolicy{5, 5, 15}));
}

TEST_F(SecurityApiTest, LoadSecurityRefusesBrokenSettings) {
  ASSERT_TRUE(settings_->set("security.allow_list", R"(["10.0.0.0/8", "nonsense"])"));
  auto loaded = load_security(*settings_);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().errc, Errc::Invalid);
  EXPECT_THAT(loaded.error().message, HasSubstr("security.allow_list: allow_list[1]"));

  ASSERT_TRUE(settings_->set("security.allow_list", "not json"));
  EXPECT_FALSE(load_security(*settings_));

  ASSERT_TRUE(settings_->set("security.allow_list", "[]"));
  ASSERT_TRUE(settings_->set("security.service.http", "maybe"));
  loaded = load_security(*settings_);
  ASSERT_FALSE(loaded);
  EXPECT_THAT(loaded.error().message, HasSubstr("security.service.http"));
}

TEST_F(SecurityApiTest, GetDescribesEverything) {
  web::HttpRequest req;
  req.remote_ip = "::ffff:192.168.1.5";
  auto r = api_->get(req);
  ASSERT_EQ(r.status, 200);
  json j = body_of(r);
  EXPECT_EQ(j["certificate"]["subject"], "CN=OpenVTO door station");
  EXPECT_EQ(j["certificate"]["self_signed"], true);
  EXPECT_EQ(j["certificate"]["sha256_fingerprint"].get<std::string>().size(), 95u);
  EXPECT_TRUE(j["certificate"]["not_before_ms"].is_number_integer());
  EXPECT_TRUE(j["certificate"]["not_after_ms"].is_number_integer());
  EXPECT_TRUE(j["certificate"]["names"].is_array());
  EXPECT_EQ(j["allow_list"], json::array());
  EXPECT_EQ(j["services"], (json{{"http", true}}));
  EXPECT_EQ(j["login"], (json{{"max_failures", 5}, {"lock_minutes", 5}, {"idle_minutes", 15}}));
  EXPECT_EQ(j["your_address"], "192.168.1.5");
}

TEST_F(SecurityApiTest, AllowListIsCheckedSavedAppliedAndAudited) {
  auto r = api_->put_allow_list(request({{"allow_list", {" 192.168.1.7/24", "fd00::/8"}}}), admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["allow_list"], (json{"192.168.1.0/24", "fd00::/8"}));
  ASSERT_EQ(applied_lists_.size(), 1u);
  EXPECT_TRUE(applied_lists_[0].allows("192.168.1.99"));
  EXPECT_FALSE(applied_lists_[0].allows("192.168.2.1"));
  EXPECT_EQ(state_.allow_list, applied_lists_[0]);
  EXPECT_EQ(**settings_->get("security.allow_list"), R"(["192.168.1.0/24","fd00::/8"])");
  auto loaded = load_security(*settings_);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->allow_list, state_.allow_list);
  ASSERT_EQ(audits_.size(), 1u);
  EXPECT_EQ(audits_[0], "admin settings_changed allow list: 192.168.1.0/24, fd00::/8");

  // The same again changes nothing.
  r = api_->put_allow_list(request({{"allow_list", {"192.168.1.0/24", "fd00::/8"}}}), admin_);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(applied_lists_.size(), 1u);
  EXPECT_EQ(audits_.size(), 1u);

  // Empty again: everyone.
  r = api_->put_allow_list(request({{"allow_list", json::array()}}), admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(state_.allow_list.empty());
  EXPECT_EQ(audits_.back(), "admin settings_changed allow list: empty (everyone)");
}

TEST_F(SecurityApiTest, AllowListErrorsNameTheField) {
  const std::pair<json, std::string> cases[] = {
      {json{{"allow_list", "10.0.0.0/8"}}, "allow_list"},
      {json{{"other", 1}}, "allow_list"},
      {json{{"allow_list", {"192.168.1.0/24", 5}}}, "allow_list[1]"},
      {json{{"allow_list", {"192.168.1.0/24", "10.0.0.0/40"}}}, "allow_list[1]"},
      {json{{"allow_list", {"192.168.1.0/24", "door"}}}, "allow_list[1]"},
      {json{{"allow_list", json(std::vector<std::string>(65, "10.0.0.1"))}}, "allow_list"},
  };
  for (const auto& [body, field] : cases) {
    auto r = api_->put_allow_list(request(body), admin_);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(body_of(r)["field"], field) << body;
  }
  EXPECT_TRUE(applied_lists_.empty());
  EXPECT_TRUE(audits_.empty());
  EXPECT_FALSE(settings_->get("security.allow_list")->has_value());
}

TEST_F(SecurityApiTest, AllowListThatLocksTheCallerOutIsRefused) {
  auto r = api_->put_allow_list(request({{"allow_list", {"10.0.0.0/8"}}}, "192.168.1.5"), admin_);
  ASSERT_EQ(r.status, 400);
  json j = body_of(r);
  EXPECT_EQ(j["field"], "allow_list");
  EXPECT_EQ(j["rule"], "self_lockout");
  EXPECT_THAT(j["error"].get<std::string>(), HasSubstr("192.168.1.5 would be locked out"));
  EXPECT_TRUE(applied_lists_.empty());
  EXPECT_TRUE(state_.allow_list.empty());
  // From the station itself, any list is fine: loopback is never locked out.
  r = api_->put_allow_list(request({{"allow_list", {"10.0.0.0/8"}}}, "127.0.0.1"), admin_);
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(SecurityApiTest, BodiesMustBeJson) {
  auto req = request({{"allow_list", json::array()}});
  req.content_type = "text/plain";
  EXPECT_EQ(api_->put_allow_list(req, admin_).status, 415);
  EXPECT_EQ(api_->put_certificate(req, admin_).status, 415);
  EXPECT_EQ(api_->put_services(req, admin_).status, 415);
  req.content_type = "application/json";
  req.body = "[1";
  EXPECT_EQ(api_->put_allow_list(req, admin_).status, 400);
  req.body = "[]";
  EXPECT_EQ(api_->put_services(req, admin_).status, 400);
}

TEST_F(SecurityApiTest, ACertificateIsReplacedSavedAndApplied) {
  web::SelfSignedConfig o;
  o.common_name = "door.example";
  o.dns_names = {"door.example"};
  auto next = web::make_self_signed(o);
  ASSERT_TRUE(next);
  auto r = api_->put_certificate(request({{"certificate_pem", next->certificate_pem},
                                          {"private_key_pem", next->private_key_pem}}),
                                 admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, Not(HasSubstr("PRIVATE KEY")));
  json j = body_of(r);
  EXPECT_EQ(j["certificate"]["subject"], "CN=door.example");
  EXPECT_EQ(j["certificate"]["names"], (json{"door.example"}));
  ASSERT_EQ(applied_certificates_.size(), 1u);
  EXPECT_EQ(applied_certificates_[0].private_key_pem, next->private_key_pem);
  EXPECT_EQ(state_.certificate_pem, next->certificate_pem);
  EXPECT_EQ(read_file(tls_dir() + "/cert.pem"), next->certificate_pem);
  EXPECT_EQ(read_file(tls_dir() + "/key.pem"), next->private_key_pem);
  ASSERT_EQ(audits_.size(), 1u);
  EXPECT_THAT(audits_[0], HasSubstr("certificate replaced: CN=door.example, SHA-256 " +
                                    j["certificate"]["sha256_fingerprint"].get<std::string>()));
  EXPECT_THAT(audits_[0], Not(HasSubstr("PRIVATE KEY")));
}

TEST_F(SecurityApiTest, ABadCertificateIsRefusedBesideItsField) {
  auto a = web::make_self_signed({});
  auto b = web::make_self_signed({});
  ASSERT_TRUE(a && b);
  const std::string before = read_file(tls_dir() + "/cert.pem");
  const std::pair<json, std::string> cases[] = {
      {json{{"private_key_pem", a->private_key_pem}}, "certificate_pem"},
      {json{{"certificate_pem", a->certificate_pem}}, "private_key_pem"},
      {json{{"certificate_pem", a->certificate_pem}, {"private_key_pem", 7}}, "private_key_pem"},
      {json{{"certificate_pem", "garbage"}, {"private_key_pem", a->private_key_pem}},
       "certificate_pem"},
      {json{{"certificate_pem", a->certificate_pem}, {"private_key_pem", "garbage"}},
       "private_key_pem"},
      {json{{"certificate_pem", a->certificate_pem}, {"private_key_pem", b->private_key_pem}},
       "private_key_pem"},
  };
  for (const auto& [body, field] : cases) {
    auto r = api_->put_certificate(request(body), admin_);
    EXPECT_EQ(r.status, 400) << field;
    EXPECT_EQ(body_of(r)["field"], field);
    EXPECT_THAT(r.body, Not(HasSubstr("PRIVATE KEY")));
  }
  EXPECT_TRUE(applied_certificates_.empty());
  EXPECT_TRUE(audits_.empty());
  EXPECT_EQ(read_file(tls_dir() + "/cert.pem"), before);
}

TEST_F(SecurityApiTest, ACertificateThatCannotBeAppliedIsSaid) {
  certificate_error_ = "no TLS server";
  auto next = web::make_self_signed({});
  ASSERT_TRUE(next);
  auto r = api_->put_certificate(request({{"certificate_pem", next->certificate_pem},
                                          {"private_key_pem", next->private_key_pem}}),
                                 admin_);
  EXPECT_EQ(r.status, 500);
  EXPECT_THAT(r.body, HasSubstr("no TLS server"));
}

TEST_F(SecurityApiTest, RegenerateMakesANewSelfSignedCertificate) {
  const std::string before = state_.certificate_pem;
  web::HttpRequest req;
  req.method = "POST";
  req.remote_ip = "192.168.1.5";
  auto r = api_->regenerate_certificate(req, admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["certificate"]["subject"], "CN=Regenerated");
  EXPECT_EQ(j["certificate"]["self_signed"], true);
  EXPECT_EQ(j["certificate"]["names"], (json{"vto.local"}));
  EXPECT_NE(state_.certificate_pem, before);
  ASSERT_EQ(applied_certificates_.size(), 1u);
  EXPECT_EQ(read_file(tls_dir() + "/key.pem"), applied_certificates_[0].private_key_pem);
  EXPECT_EQ(read_file(tls_dir() + "/cert.pem"), state_.certificate_pem);
  ASSERT_EQ(audits_.size(), 1u);
  EXPECT_THAT(audits_[0], HasSubstr("certificate replaced by a new self-signed one"));
}

TEST_F(SecurityApiTest, TheHttpServiceIsSwitchedSavedAndAudited) {
  auto r = api_->put_services(request({{"http", false}}), admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["services"]["http"], false);
  EXPECT_EQ(http_calls_, (std::vector<bool>{false}));
  EXPECT_FALSE(state_.http_service);
  EXPECT_EQ(**settings_->get("security.service.http"), "off");
  EXPECT_FALSE(load_security(*settings_)->http_service);
  ASSERT_EQ(audits_.size(), 1u);
  EXPECT_EQ(audits_[0], "admin settings_changed plain HTTP port: off");

  EXPECT_EQ(api_->put_services(request({{"http", "on"}}), admin_).status, 400);
  EXPECT_EQ(body_of(api_->put_services(request({{"http", "on"}}), admin_))["field"], "http");

  service_error_ = make_error("port 80 is in use", Errc::Conflict);
  r = api_->put_services(request({{"http", true}}), admin_);
  EXPECT_EQ(r.status, 409);
  EXPECT_THAT(r.body, HasSubstr("port 80 is in use"));
  EXPECT_FALSE(state_.http_service);
  EXPECT_EQ(**settings_->get("security.service.http"), "off");

  service_error_ = make_error("bind failed");
  EXPECT_EQ(api_->put_services(request({{"http", true}}), admin_).status, 500);
  service_error_.reset();
  r = api_->put_services(request({{"http", true}}), admin_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(**settings_->get("security.service.http"), "on");
  EXPECT_EQ(audits_.size(), 2u);
}

TEST_F(SecurityApiTest, LoginRulesAreCheckedSavedAppliedAndAudited) {
  auto r = api_->put_login(
      request({{"max_failures", 3}, {"lock_minutes", 30}, {"idle_minutes", 60}}), admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["login"],
            (json{{"max_failures", 3}, {"lock_minutes", 30}, {"idle_minutes", 60}}));
  EXPECT_EQ(applied_logins_, (std::vector<LoginPolicy>{{3, 30, 60}}));
  EXPECT_EQ(state_.login, (LoginPolicy{3, 30, 60}));
  EXPECT_EQ(load_security(*settings_)->login, (LoginPolicy{3, 30, 60}));
  ASSERT_EQ(audits_.size(), 1u);
  EXPECT_EQ(audits_[0],
            "admin settings_changed login: 3 failed logins lock for 30 min, sessions end after 60 "
            "min idle");
  // The same again changes nothing.
  EXPECT_EQ(
      api_->put_login(request({{"max_failures", 3}, {"lock_minutes", 30}, {"idle_minutes", 60}}),
                      admin_)
          .status,
      200);
  EXPECT_EQ(audits_.size(), 1u);

  const std::pair<json, std::string> bad[] = {
      {{{"max_failures", 2}, {"lock_minutes", 5}, {"idle_minutes", 15}}, "max_failures"},
      {{{"max_failures", 11}, {"lock_minutes", 5}, {"idle_minutes", 15}}, "max_failures"},
      {{{"max_failures", 5.5}, {"lock_minutes", 5}, {"idle_minutes", 15}}, "max_failures"},
      {{{"max_failures", 5}, {"lock_minutes", 0}, {"idle_minutes", 15}}, "lock_minutes"},
      {{{"max_failures", 5}, {"lock_minutes", 61}, {"idle_minutes", 15}}, "lock_minutes"},
      {{{"max_failures", 5}, {"lock_minutes", "5"}, {"idle_minutes", 15}}, "lock_minutes"},
      {{{"max_failures", 5}, {"lock_minutes", 5}, {"idle_minutes", 4}}, "idle_minutes"},
      {{{"max_failures", 5}, {"lock_minutes", 5}, {"idle_minutes", 121}}, "idle_minutes"},
      {{{"max_failures", 5}, {"lock_minutes", 5}}, "idle_minutes"},
  };
  for (const auto& [body, field] : bad) {
    r = api_->put_login(request(body), admin_);
    EXPECT_EQ(r.status, 400) << body.dump();
    EXPECT_EQ(body_of(r)["field"], field) << body.dump();
  }
  EXPECT_EQ(body_of(api_->put_login(
                request({{"max_failures", 2}, {"lock_minutes", 5}, {"idle_minutes", 15}}),
                admin_))["error"],
            "max_failures: a whole number of failed logins from 3 to 10");
  EXPECT_EQ(state_.login, (LoginPolicy{3, 30, 60}));
  EXPECT_EQ(applied_logins_.size(), 1u);

  ASSERT_TRUE(settings_->set("security.login", R"({"max_failures":99})"));
  auto loaded = load_security(*settings_);
  ASSERT_FALSE(loaded);
  EXPECT_THAT(loaded.error().message, HasSubstr("security.login: max_failures"));
}

}  // namespace
}  // namespace vto::api
