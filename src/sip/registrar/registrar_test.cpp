// The registrar's rules through Registrar::handle(): a real DigestServer challenges and a
// real DigestClient answers, over a MemoryLocationStore on simulated time.
#include "sip/registrar/registrar.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sip/auth/digest_client.h"
#include "sip/auth/digest_server.h"

using namespace std::chrono_literals;
using namespace vto::sip;
using vto::core::ManualTimers;

namespace {

const Peer kPhone{Transport::Udp, "192.168.1.50", 5060, 0};
constexpr std::string_view kRequestUri = "sip:192.168.1.10";

// Rooms 101 and 102: "<room>#<0..99>" may register with the room's password.
struct Accounts : AccountDirectory {
  std::optional<std::string> password_of(std::string_view user) const override {
    auto hash = user.find('#');
    if (hash == std::string_view::npos) return std::nullopt;
    auto it = rooms.find(std::string(user.substr(0, hash)));
    auto index = user.substr(hash + 1);
    if (it == rooms.end() || index.empty() || index.size() > 2) return std::nullopt;
    if (index.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    return it->second;
  }
  std::map<std::string, std::string> rooms{{"101", "pw101"}, {"102", "pw102"}};
};

// One REGISTER as a phone would write it.
struct Reg {
  std::string aor = "101#0";  // the To user, unescaped
  std::string user;           // the digest user name; the AOR when empty
  std::string password = "pw101";
  std::vector<std::string> contacts = {"<sip:101%230@192.168.1.50:5060>"};
  std::optional<std::uint32_t> expires;
  std::string call_id = "reg-call-1";
  std::uint32_t cseq = 1;
};

std::string register_text(const Reg& r, const std::string& authorization) {
  const std::string to = "<sip:" + escape_user(r.aor) + "@192.168.1.10>";
  std::string s = "REGISTER " + std::string(kRequestUri) + " SIP/2.0\r\n";
  s += "Via: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bK" + r.call_id + std::to_string(r.cseq) +
       ";rport\r\n";
  s += "Max-Forwards: 70\r\n";
  s += "From: " + to + ";tag=ph1\r\n";
  s += "To: " + to + "\r\n";
  s += "Call-ID: " + r.call_id + "\r\n";
  s += "CSeq: " + std::to_string(r.cseq) + " REGISTER\r\n";
  for (const auto& c : r.contacts) s += "Contact: " + c + "\r\n";
  if (r.expires) s += "Expires: " + std::to_string(*r.expires) + "\r\n";
  if (!authorization.empty()) s += "Authorization: " + authorization + "\r\n";
  s += "User-Agent: registrar-test\r\n";
  s += "Content-Length: 0\r\n\r\n";
  return s;
}

// Contact URI -> expires, from a 200's Contact headers.
std::map<std::string, std::uint32_t> listed(const Message& ok) {
  std::map<std::string, std::uint32_t> out;
  for (auto value : ok.header_values(HeaderId::Contact)) {
    auto na = NameAddr::parse(value).value();
    auto e = na.params.get("expires");
    out[std::string(na.uri.text())] = e ? parse_uint(*e, 0xffffffffU).value() : 0;
  }
  return out;
}

class RegistrarTest : public ::testing::Test {
 protected:
  Message handle(const std::string& text, Registrar* with = nullptr) {
    auto parsed = Message::parse(text);
    EXPECT_TRUE(parsed.ok()) << text;
    return (with ? *with : registrar).handle(std::move(parsed).value(), kPhone);
  }

  // REGISTER without credentials, then again answering the 401 the way a phone does.
  Message send(const Reg& r, Registrar* with = nullptr) {
    Message challenge = handle(register_text(r, ""), with);
    EXPECT_EQ(challenge.status(), 401);
    if (challenge.status() != 401) return challenge;
    auto values = challenge.header_values(HeaderId::WwwAuthenticate);
    std::vector<std::string> owned(values.begin(), values.end());
    auth::DigestClient client;
    auto authorization = client.answer_best(
        owned, "REGISTER", kRequestUri, r.user.empty() ? escape_user(r.aor) : r.user, r.password);
    EXPECT_TRUE(authorization.has_value());
    return handle(register_text(r, authorization.value_or("")), with);
  }

  Reg extension(int index) {
    Reg r;
    r.aor = "101#" + std::to_string(index);
    r.contacts = {"<sip:" + escape_user(r.aor) + "@192.168.1." + std::to_string(60 + index) +
                  ":5060>"};
    r.call_id = "ext-" + std::to_string(index);
    return r;
  }

  ManualTimers timers;
  MemoryLocationStore store{timers};
  auth::DigestServer digest{timers};
  Accounts accounts;
  Registrar registrar{store, digest, accounts, timers};
};

}  // namespace

TEST_F(RegistrarTest, WithoutCredentialsGets401WithDigestChallenges) {
  Message r = handle(register_text(Reg{}, ""));
  EXPECT_EQ(r.status(), 401);
  auto challenges = r.header_values(HeaderId::WwwAuthenticate);
  ASSERT_FALSE(challenges.empty());
  for (auto c : challenges) {
    auto parsed = auth::parse_challenge(c).value();
    EXPECT_EQ(parsed.realm, "VDP");
    EXPECT_FALSE(parsed.stale);
  }
  EXPECT_FALSE(r.to()->tag().empty());
  EXPECT_EQ(store.size(), 0U);
}

TEST_F(RegistrarTest, CorrectCredentialsSaveTheBindingAndListItWithExpires) {
  Reg r;
  r.expires = 600;
  Message ok = send(r);
  ASSERT_EQ(ok.status(), 200) << ok.reason();
  auto contacts = listed(ok);
  ASSERT_EQ(contacts.size(), 1U);
  EXPECT_EQ(contacts["sip:101%230@192.168.1.50:5060"], 600U);
  EXPECT_TRUE(ok.header(HeaderId::Date).has_value());

  auto bindings = store.lookup("101#0");
  ASSERT_EQ(bindings.size(), 1U);
  EXPECT_EQ(bindings[0].contact, "sip:101%230@192.168.1.50:5060");
  EXPECT_EQ(bindings[0].call_id, "reg-call-1");
  EXPECT_EQ(bindings[0].cseq, 1U);
  EXPECT_EQ(bindings[0].source, kPhone);
  EXPECT_EQ(bindings[0].user_agent, "registrar-test");
  EXPECT_EQ(bindings[0].expires_at, timers.now() + 600s);
}

TEST_F(RegistrarTest, WrongPasswordAndUnknownUserGetTheSame403) {
  Reg wrong;
  wrong.password = "not-the-password";
  Message a = send(wrong);

  Reg unknown;
  unknown.aor = "999#0";
  unknown.contacts = {"<sip:999%230@192.168.1.50:5060>"};
  Message b = send(unknown);

  EXPECT_EQ(a.status(), 403);
  EXPECT_EQ(b.status(), 403);
  EXPECT_EQ(a.reason(), b.reason());
  EXPECT_FALSE(a.header(HeaderId::WwwAuthenticate).has_value());
  EXPECT_FALSE(b.header(HeaderId::WwwAuthenticate).has_value());
  EXPECT_EQ(store.size(), 0U);
}

TEST_F(RegistrarTest, AUserMayNotRegisterAnotherAor) {
  Reg r;
  r.aor = "102#0";
  r.user = "101%230";  // good credentials, but for room 101
  r.password = "pw101";
  r.contacts = {"<sip:102%230@192.168.1.50:5060>"};
  Message refused = send(r);
  EXPECT_EQ(refused.status(), 403);
  EXPECT_TRUE(store.lookup("102#0").empty());
}

TEST_F(RegistrarTest, EscapedDigestUserNameIsAccepted) {
  Reg r;
  r.user = "101%230";  // baresip takes the digest user name from the URI
  Message ok = send(r);
  EXPECT_EQ(ok.status(), 200) << ok.reason();
  EXPECT_EQ(store.lookup("101#0").size(), 1U);

  Reg plain;  // and unescaped, as most phones send it
  plain.user = "101#0";
  plain.cseq = 2;
  EXPECT_EQ(send(plain).status(), 200);
}

TEST_F(RegistrarTest, ExpiresBelowMinimumGets423WithMinExpires) {
  Reg r;
  r.expires = 30;
  Message brief = send(r);
  EXPECT_EQ(brief.status(), 423);
  ASSERT_TRUE(brief.header(HeaderId::MinExpires).has_value());
  EXPECT_EQ(*brief.header(HeaderId::MinExpires), "60");
  EXPECT_EQ(store.size(), 0U);

  Reg param;  // the contact parameter is checked the same way
  param.contacts = {"<sip:101%230@192.168.1.50:5060>;expires=59"};
  EXPECT_EQ(send(param).status(), 423);
}

TEST_F(RegistrarTest, ExpiresAboveMaximumIsClamped) {
  Reg r;
  r.expires = 86400;
  Message ok = send(r);
  ASSERT_EQ(ok.status(), 200);
  EXPECT_EQ(listed(ok)["sip:101%230@192.168.1.50:5060"], 3600U);
  EXPECT_EQ(store.lookup("101#0").at(0).expires_at, timers.now() + 3600s);
}

TEST_F(RegistrarTest, NoExpiresAnywhereGivesTheDefault) {
  Message ok = send(Reg{});
  ASSERT_EQ(ok.status(), 200);
  EXPECT_EQ(listed(ok)["sip:101%230@192.168.1.50:5060"], 3600U);
}

TEST_F(RegistrarTest, ContactExpiresParameterWinsOverExpiresHeader) {
  Reg r;
  r.expires = 600;
  r.contacts = {"<sip:101%230@192.168.1.50:5060>;expires=120", "<sip:101%230@192.168.1.51:5060>"};
  Message ok = send(r);
  ASSERT_EQ(ok.status(), 200);
  auto contacts = listed(ok);
  ASSERT_EQ(contacts.size(), 2U);
  EXPECT_EQ(contacts["sip:101%230@192.168.1.50:5060"], 120U);
  EXPECT_EQ(contacts["sip:101%230@192.168.1.51:5060"], 600U);
}

TEST_F(RegistrarTest, SeveralContactsPerAorUpToTheLimit) {
  RegistrarConfig options;
  options.max_contacts_per_aor = 2;
  Registrar small(store, digest, accounts, timers, options);

  Reg first;
  first.contacts = {"<sip:101%230@192.168.1.50:5060>"};
  first.call_id = "phone-a";
  ASSERT_EQ(send(first, &small).status(), 200);

  Reg second;
  second.contacts = {"<sip:101%230@192.168.1.51:5060>"};
  second.call_id = "phone-b";
  Message ok = send(second, &small);
  ASSERT_EQ(ok.status(), 200);
  EXPECT_EQ(listed(ok).size(), 2U);  // the 200 lists every binding of the AOR

  Reg third;
  third.contacts = {"<sip:101%230@192.168.1.52:5060>"};
  third.call_id = "phone-c";
  EXPECT_EQ(send(third, &small).status(), 403);
  EXPECT_EQ(store.lookup("101#0").size(), 2U);

  // Replacing one contact by another in the same REGISTER stays within the limit.
  Reg swap;
  swap.contacts = {"<sip:101%230@192.168.1.51:5060>;expires=0", "<sip:101%230@192.168.1.52:5060>"};
  swap.call_id = "phone-b";
  swap.cseq = 2;
  Message swapped = send(swap, &small);
  ASSERT_EQ(swapped.status(), 200);
  auto contacts = listed(swapped);
  EXPECT_EQ(contacts.size(), 2U);
  EXPECT_TRUE(contacts.contains("sip:101%230@192.168.1.52:5060"));
  EXPECT_FALSE(contacts.contains("sip:101%230@192.168.1.51:5060"));
}

TEST_F(RegistrarTest, SameInstanceWithANewContactReplacesItsBindingAtTheLimit) {
  RegistrarConfig options;
  options.max_contacts_per_aor = 2;
  Registrar small(store, digest, accounts, timers, options);
  const std::string instance = ";+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000a95a0e128>\"";

  Reg first;
  first.contacts = {"<sip:101%230@192.168.1.50:5060>"};
  first.call_id = "phone-a";
  ASSERT_EQ(send(first, &small).status(), 200);
  Reg second;
  second.contacts = {"<sip:101%230@192.168.1.51:5060>" + instance};
  second.call_id = "phone-b";
  ASSERT_EQ(send(second, &small).status(), 200);

  // Phone b moved to another address (new DHCP lease): same instance, new contact.
  Reg moved;
  moved.contacts = {"<sip:101%230@192.168.1.77:5060>" + instance};
  moved.call_id = "phone-b";
  moved.cseq = 2;
  Message ok = send(moved, &small);
  ASSERT_EQ(ok.status(), 200);
  auto contacts = listed(ok);
  EXPECT_EQ(contacts.size(), 2U);
  EXPECT_TRUE(contacts.contains("sip:101%230@192.168.1.77:5060"));
  EXPECT_FALSE(contacts.contains("sip:101%230@192.168.1.51:5060"));
}

TEST_F(RegistrarTest, RefreshRenewsTheSameBinding) {
  Reg r;
  r.expires = 600;
  ASSERT_EQ(send(r).status(), 200);
  timers.advance(500s);

  r.cseq = 2;
  Message ok = send(r);
  ASSERT_EQ(ok.status(), 200);
  auto contacts = listed(ok);
  ASSERT_EQ(contacts.size(), 1U);
  EXPECT_EQ(contacts["sip:101%230@192.168.1.50:5060"], 600U);

  timers.advance(200s);  // past the first registration's end, within the refresh
  auto bindings = store.lookup("101#0");
  ASSERT_EQ(bindings.size(), 1U);
  EXPECT_EQ(bindings[0].cseq, 2U);
}

TEST_F(RegistrarTest, ExpiresZeroRemovesOnlyThatContact) {
  Reg both;
  both.contacts = {"<sip:101%230@192.168.1.50:5060>", "<sip:101%230@192.168.1.51:5060>"};
  ASSERT_EQ(send(both).status(), 200);
  ASSERT_EQ(store.lookup("101#0").size(), 2U);

  Reg drop;
  drop.contacts = {"<sip:101%230@192.168.1.50:5060>"};
  drop.expires = 0;
  drop.cseq = 2;
  Message ok = send(drop);
  ASSERT_EQ(ok.status(), 200);
  auto contacts = listed(ok);
  ASSERT_EQ(contacts.size(), 1U);
  EXPECT_TRUE(contacts.contains("sip:101%230@192.168.1.51:5060"));
  ASSERT_EQ(store.lookup("101#0").size(), 1U);
  EXPECT_EQ(store.lookup("101#0")[0].contact, "sip:101%230@192.168.1.51:5060");
}

TEST_F(RegistrarTest, StarWithExpiresZeroRemovesEveryContact) {
  Reg both;
  both.contacts = {"<sip:101%230@192.168.1.50:5060>", "<sip:101%230@192.168.1.51:5060>"};
  ASSERT_EQ(send(both).status(), 200);
  Reg other;  // another phone of the same AOR, another Call-ID
  other.contacts = {"<sip:101%230@192.168.1.52:5060>"};
  other.call_id = "reg-call-2";
  ASSERT_EQ(send(other).status(), 200);
  ASSERT_EQ(store.lookup("101#0").size(), 3U);

  Reg star;
  star.contacts = {"*"};
  star.expires = 0;
  star.cseq = 2;
  Message ok = send(star);
  ASSERT_EQ(ok.status(), 200);
  EXPECT_TRUE(listed(ok).empty());
  EXPECT_TRUE(store.lookup("101#0").empty());
}

TEST_F(RegistrarTest, StarWithoutExpiresZeroIs400) {
  ASSERT_EQ(send(Reg{}).status(), 200);

  Reg star;
  star.contacts = {"*"};
  star.cseq = 2;
  EXPECT_EQ(send(star).status(), 400);
  star.expires = 60;
  EXPECT_EQ(send(star).status(), 400);
  star.expires = 0;  // nor with another contact beside it
  star.contacts = {"*", "<sip:101%230@192.168.1.51:5060>"};
  EXPECT_EQ(send(star).status(), 400);
  EXPECT_EQ(store.lookup("101#0").size(), 1U);
}

TEST_F(RegistrarTest, OutOfOrderCSeqOnTheSameCallIdIs400) {
  Reg r;
  r.cseq = 5;
  ASSERT_EQ(send(r).status(), 200);

  r.cseq = 4;
  EXPECT_EQ(send(r).status(), 400);
  r.cseq = 5;  // a repeat is no newer
  EXPECT_EQ(send(r).status(), 400);
  Reg star = r;
  star.contacts = {"*"};
  star.expires = 0;
  EXPECT_EQ(send(star).status(), 400);
  EXPECT_EQ(store.lookup("101#0").at(0).cseq, 5U);

  r.call_id = "after-reboot";  // a new Call-ID starts its own count
  r.cseq = 1;
  EXPECT_EQ(send(r).status(), 200);
}

TEST_F(RegistrarTest, BindingsExpireWithTheClockAndTheObserverHearsIt) {
  std::vector<std::pair<std::string, bool>> events;
  store.set_observer(
      [&](std::string_view aor, bool online) { events.emplace_back(std::string(aor), online); });
  Reg r;
  r.expires = 60;
  ASSERT_EQ(send(r).status(), 200);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0], std::make_pair(std::string("101#0"), true));

  timers.advance(59s);
  EXPECT_EQ(store.lookup("101#0").size(), 1U);
  timers.advance(1s);
  EXPECT_TRUE(store.lookup("101#0").empty());
  timers.advance(10s);  // the periodic purge runs
  EXPECT_TRUE(store.lookup("101#0").empty());
  EXPECT_EQ(store.size(), 0U);
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[1], std::make_pair(std::string("101#0"), false));
}

TEST_F(RegistrarTest, AtMostTenExtensionsPerRoom) {
  for (int i = 1; i <= 10; ++i) {
    ASSERT_EQ(send(extension(i)).status(), 200) << "101#" << i;
  }
  Message refused = send(extension(11));
  EXPECT_EQ(refused.status(), 403);
  EXPECT_TRUE(store.lookup("101#11").empty());

  // The master is not an extension.
  EXPECT_EQ(send(Reg{}).status(), 200);

  // Extensions already registered keep refreshing, and may add a contact.
  Reg refresh = extension(5);
  refresh.cseq = 2;
  EXPECT_EQ(send(refresh).status(), 200);
  Reg second_phone = extension(5);
  second_phone.contacts = {"<sip:101%235@192.168.1.99:5060>"};
  second_phone.call_id = "ext-5-b";
  EXPECT_EQ(send(second_phone).status(), 200);
  EXPECT_EQ(store.lookup("101#5").size(), 2U);

  // Another room has its own count.
  Reg other = extension(1);
  other.aor = "102#1";
  other.password = "pw102";
  other.contacts = {"<sip:102%231@192.168.1.70:5060>"};
  EXPECT_EQ(send(other).status(), 200);

  // Once one leaves, a new one fits.
  Reg leave = extension(3);
  leave.cseq = 2;
  leave.expires = 0;
  ASSERT_EQ(send(leave).status(), 200);
  EXPECT_EQ(send(extension(11)).status(), 200);
}

TEST_F(RegistrarTest, NonceFromAnotherServerGetsAFresh401) {
  auth::DigestServer other(timers);  // e.g. vtod before a restart
  auto values = other.challenges(false);
  auth::DigestClient client;
  auto authorization = client.answer_best(values, "REGISTER", kRequestUri, "101#0", "pw101");
  ASSERT_TRUE(authorization.has_value());
  Message r = handle(register_text(Reg{}, *authorization));
  EXPECT_EQ(r.status(), 401);
  ASSERT_FALSE(r.header_values(HeaderId::WwwAuthenticate).empty());
  EXPECT_EQ(store.size(), 0U);

  // Answering the fresh challenge works.
  auto fresh = r.header_values(HeaderId::WwwAuthenticate);
  std::vector<std::string> owned(fresh.begin(), fresh.end());
  authorization = client.answer_best(owned, "REGISTER", kRequestUri, "101#0", "pw101");
  EXPECT_EQ(handle(register_text(Reg{}, *authorization)).status(), 200);
}

TEST_F(RegistrarTest, ExpiredNonceWithTheRightPasswordGetsAStale401) {
  Message challenge = handle(register_text(Reg{}, ""));
  auto values = challenge.header_values(HeaderId::WwwAuthenticate);
  std::vector<std::string> owned(values.begin(), values.end());
  auth::DigestClient client;
  auto authorization = client.answer_best(owned, "REGISTER", kRequestUri, "101#0", "pw101");
  timers.advance(10min);
  Message r = handle(register_text(Reg{}, *authorization));
  EXPECT_EQ(r.status(), 401);
  auto again = r.header_values(HeaderId::WwwAuthenticate);
  ASSERT_FALSE(again.empty());
  EXPECT_TRUE(auth::parse_challenge(again[0]).value().stale);
}

TEST_F(RegistrarTest, ReplayedCredentialsAreRefused) {
  Message challenge = handle(register_text(Reg{}, ""));
  auto values = challenge.header_values(HeaderId::WwwAuthenticate);
  std::vector<std::string> owned(values.begin(), values.end());
  auth::DigestClient client;
  auto authorization = client.answer_best(owned, "REGISTER", kRequestUri, "101#0", "pw101");
  EXPECT_EQ(handle(register_text(Reg{}, *authorization)).status(), 200);
  Reg later;
  later.cseq = 2;
  EXPECT_EQ(handle(register_text(later, *authorization)).status(), 403);
}

namespace {

std::string invite_from(std::string_view caller, const std::string& proxy_authorization) {
  std::string s = "INVITE sip:102@192.168.1.10 SIP/2.0\r\n";
  s += "Via: SIP/2.0/UDP 192.168.1.99:5060;branch=z9hG4bKcall1;rport\r\n";
  s += "Max-Forwards: 70\r\n";
  s += "From: <sip:" + escape_user(caller) + "@192.168.1.10>;tag=c1\r\n";
  s += "To: <sip:102@192.168.1.10>\r\n";
  s += "Call-ID: call-1\r\nCSeq: 1 INVITE\r\n";
  if (!proxy_authorization.empty()) s += "Proxy-Authorization: " + proxy_authorization + "\r\n";
  s += "Content-Length: 0\r\n\r\n";
  return s;
}

}  // namespace

TEST_F(RegistrarTest, CallsFromWhereTheCallerRegisteredPassOthersMustAuthenticate) {
  ASSERT_EQ(send(Reg{}).status(), 200);  // 101#0 registered from kPhone
  auto invite = Message::parse(invite_from("101#0", "")).value();
  EXPECT_FALSE(registrar.authorize_caller(invite, kPhone).has_value());

  // The same caller from another address must prove who it is.
  const Peer elsewhere{Transport::Udp, "192.168.1.99", 5060, 0};
  auto challenge = registrar.authorize_caller(invite, elsewhere);
  ASSERT_TRUE(challenge.has_value());
  ASSERT_EQ(challenge->status(), 407);
  auto values = challenge->header_values(HeaderId::ProxyAuthenticate);
  ASSERT_FALSE(values.empty());
  std::vector<std::string> owned(values.begin(), values.end());
  auth::DigestClient client;
  auto credentials = client.answer_best(owned, "INVITE", "sip:102@192.168.1.10", "101#0", "pw101");
  ASSERT_TRUE(credentials);
  auto with_credentials = Message::parse(invite_from("101#0", *credentials)).value();
  EXPECT_FALSE(registrar.authorize_caller(with_credentials, elsewhere).has_value());

  // Valid credentials of one device do not let a request pass as another.
  auto as_other =
      Message::parse(invite_from("102#0", *client.authorization("INVITE", "sip:102@192.168.1.10",
                                                                "101#0", "pw101")))
          .value();
  auto refused = registrar.authorize_caller(as_other, elsewhere);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status(), 403);

  // A wrong password is refused.
  auto wrong = client.answer_best(owned, "INVITE", "sip:102@192.168.1.10", "101#0", "nope");
  auto refused_wrong =
      registrar.authorize_caller(Message::parse(invite_from("101#0", *wrong)).value(), elsewhere);
  ASSERT_TRUE(refused_wrong.has_value());
  EXPECT_EQ(refused_wrong->status(), 403);
}
