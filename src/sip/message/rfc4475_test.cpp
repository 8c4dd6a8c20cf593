// Every SIP torture test message of RFC 4475 (tests/data/sip/*.dat, byte for byte) with
// the behaviour the RFC asks of a parser: valid ones (§3.1.1) parse with the right values,
// invalid ones (§3.1.2) are rejected with 400 (505 for badvers), and the messages whose
// problem is semantic (§3.2-§3.4) parse so that the element above can see the issue.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>

#include "sip/message/message.h"

namespace vto::sip {
namespace {

std::filesystem::path data_dir() {
  const char* env = std::getenv("VTO_TEST_DATA");
  return std::filesystem::path(env != nullptr ? env : VTO_SOURCE_TESTS_DATA) / "sip";
}

std::string load(const std::string& name) {
  std::ifstream in(data_dir() / name, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<Via> vias(const Message& m) {
  std::vector<Via> out;
  for (auto v : m.header_values(HeaderId::Via)) {
    auto via = Via::parse(v);
    EXPECT_TRUE(via) << v;
    if (via) out.push_back(*via);
  }
  return out;
}

NameAddr first_contact(const Message& m) {
  auto c = m.contacts();
  EXPECT_TRUE(c);
  EXPECT_FALSE(c->contacts.empty());
  return c && !c->contacts.empty() ? c->contacts[0] : NameAddr{};
}

struct Case {
  std::string file;
  int expected_error;  // 0: parses; otherwise the status of the error
  std::string error_contains;
  std::function<void(const Message&)> check_parsed;   // when it parses
  std::function<void(const std::string&)> check_raw;  // extra checks on the bytes
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.file;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      // ---- §3.1.1 valid messages ----
      {"wsinv.dat", 0, "",
       [](const Message& m) {
         EXPECT_EQ(m.method(), "INVITE");
         EXPECT_EQ(m.request_uri(), "sip:vivekg@chair-dnrc.example.com;unknownparam");
         auto to = m.to();
         ASSERT_TRUE(to);
         EXPECT_EQ(to->uri.user(), "vivekg");
         EXPECT_EQ(to->tag(), "1918181833n");
         auto from = m.from();
         ASSERT_TRUE(from);
         EXPECT_EQ(from->display, R"(J Rosenberg \\\")");
         EXPECT_EQ(from->uri.user(), "jdrosen");
         EXPECT_EQ(from->tag(), "98asjd8");
         EXPECT_EQ(m.max_forwards(), 68u);
         auto cseq = m.cseq();
         ASSERT_TRUE(cseq);
         EXPECT_EQ(cseq->number, 9u);
         EXPECT_EQ(cseq->method, "INVITE");
         const auto v = vias(m);
         ASSERT_EQ(v.size(), 3u);
         EXPECT_EQ(v[0].protocol, "SIP/2.0");
         EXPECT_EQ(v[0].transport, "UDP");
         EXPECT_EQ(v[0].host, "192.0.2.2");
         EXPECT_EQ(v[0].branch(), "390skdjuw");
         EXPECT_EQ(v[1].transport, "TCP");
         EXPECT_EQ(v[1].host, "spindle.example.com");
         EXPECT_EQ(v[1].branch(), "z9hG4bK9ikj8");
         EXPECT_EQ(v[2].host, "192.168.255.111");
         EXPECT_EQ(v[2].branch(), "z9hG4bK30239");
         EXPECT_EQ(m.header(HeaderId::Subject), "");
         EXPECT_EQ(m.header("NewFangledHeader"), "newfangled value   continued newfangled value");
         EXPECT_EQ(m.header("UnknownHeaderWithUnusualValue"), ";;,,;;,;");
         EXPECT_EQ(m.header(HeaderId::Route),
                   "<sip:services.example.com;lr;unknownwith=value;unknown-no-value>");
         const NameAddr c = first_contact(m);
         EXPECT_EQ(c.display, R"(Quoted string \"\")");
         EXPECT_EQ(c.params.get("newparam"), "newvalue");
         EXPECT_TRUE(c.params.has("secondparam"));
         EXPECT_EQ(c.params.get("q"), "0.33");
         EXPECT_EQ(m.body().size(), 150u);
       },
       nullptr},
      {"intmeth.dat", 0, "",
       [](const Message& m) {
         const std::string_view method = "!interesting-Method0123456789_*+`.%indeed'~";
         EXPECT_EQ(m.method(), method);
         EXPECT_EQ(m.cseq()->method, method);
         auto ruri = Uri::parse(m.request_uri());
         ASSERT_TRUE(ruri);
         EXPECT_EQ(ruri->user(), "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
         EXPECT_EQ(ruri->password(), "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
         EXPECT_EQ(ruri->host(), "example.com");
         auto from = m.from();
         ASSERT_TRUE(from);
         EXPECT_EQ(from->display, "token1~` token2'+_ token3*%!.-");
         EXPECT_EQ(from->tag(), "_token~1'+`*%!-.");
         EXPECT_TRUE(from->params.has("fromParam''~+*_!.-%"));
         auto to = m.to();
         ASSERT_TRUE(to);
         EXPECT_EQ(to->uri.user(), "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
         EXPECT_EQ(std::string(to->display), std::string("BEL:\\\x07 NUL:\\\0 DEL:\\\x7f", 20));
         EXPECT_EQ(m.call_id(), R"(intmeth.word%ZK-!.*_+'@word`~)(><:\/"][?}{)");
         EXPECT_EQ(m.header("extensionHeader-!.%*+_`'~"),
                   "\xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb");
         EXPECT_EQ(m.top_via()->branch(), "z9hG4bK-.!%66*_+`'~");
         EXPECT_EQ(m.max_forwards(), 255u);
       },
       nullptr},
      {"esc01.dat", 0, "",
       [](const Message& m) {
         auto ruri = Uri::parse(m.request_uri());
         ASSERT_TRUE(ruri);
         EXPECT_EQ(ruri->user(), "sips%3Auser%40example.com");
         EXPECT_EQ(ruri->user_unescaped(), "sips:user@example.com");
         EXPECT_EQ(ruri->host(), "example.net");
         EXPECT_EQ(m.to()->uri.user_unescaped(), "user");
         EXPECT_EQ(m.from()->uri.user_unescaped(), "I have spaces");
         EXPECT_EQ(m.call_id(), "esc01.239409asdfakjkn23onasd0-3234");
         EXPECT_EQ(m.header(HeaderId::ContentType), "application/sdp");
         const NameAddr c = first_contact(m);
         EXPECT_EQ(c.uri.user_unescaped(), "caller");
         ASSERT_EQ(c.uri.params().items().size(), 2u);
         EXPECT_EQ(unescape(c.uri.params().items()[0].name), "lr");
         EXPECT_EQ(unescape(c.uri.params().items()[1].name), "name");
         EXPECT_EQ(unescape(c.uri.params().items()[1].value), "value%41");
       },
       nullptr},
      {"escnull.dat", 0, "",
       [](const Message& m) {
         EXPECT_EQ(m.to()->uri.user(), "null-%00-null");
         EXPECT_EQ(unescape(m.to()->uri.user()), std::nullopt);  // escaped NUL: not a C string
         auto c = m.contacts();
         ASSERT_TRUE(c);
         ASSERT_EQ(c->contacts.size(), 2u);
         EXPECT_EQ(c->contacts[0].uri.user(), "%00");
         EXPECT_EQ(c->contacts[1].uri.user(), "%00%00");
         EXPECT_TRUE(m.body().empty());
       },
       nullptr},
      {"esc02.dat", 0, "",
       [](const Message& m) {
         EXPECT_EQ(m.method(), "RE%47IST%45R");  // a token, not REGISTER
         EXPECT_EQ(m.to()->display, "%Z%45");
         EXPECT_EQ(m.top_via()->branch(), "z9hG4bK209%fzsnel234");
         EXPECT_EQ(m.header_values(HeaderId::Contact).size(), 2u);
         EXPECT_EQ(m.header("C%6Fntact"), "<sip:alias2@host2.example.com>");
       },
       nullptr},
      {"lwsdisp.dat", 0, "",
       [](const Message& m) {
         EXPECT_EQ(m.from()->display, "caller");
         EXPECT_EQ(m.from()->uri.user(), "caller");
         EXPECT_EQ(m.from()->tag(), "323");
       },
       nullptr},
      {"longreq.dat", 0, "",
       [](const Message& m) {
         auto to = m.to();
         ASSERT_TRUE(to);
         EXPECT_EQ(to->uri.port(), 6000);
         EXPECT_TRUE(to->uri.params().has(
             "verylonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglong"
             "longlonglonglonglonglongParameterNameWithNoValue"));
         EXPECT_EQ(m.from()->tag().size(), 159u - 4u);
         EXPECT_EQ(m.count(HeaderId::Via), 34u);
         const auto v = vias(m);
         ASSERT_EQ(v.size(), 34u);
         EXPECT_EQ(v[0].host, "sip33.example.com");
         EXPECT_EQ(v[33].host, "host.example.com");
         EXPECT_EQ(v[33].received(), "192.0.2.5");
         EXPECT_EQ(m.call_id().size(), 141u);
         EXPECT_EQ(m.body().size(), 150u);
       },
       nullptr},
      {"dblreq.dat", 0, "",
       [](const Message& m) {
         EXPECT_EQ(m.method(), "REGISTER");
         EXPECT_EQ(m.call_id(), "dblreq.0ha0isndaksdj99sdfafnl3lk233412");
         EXPECT_TRUE(m.body().empty());  // the trailing INVITE is ignored
         EXPECT_EQ(m.serialize().find("INVITE"), std::string::npos);
       },
       nullptr},
      {"semiuri.dat", 0, "",
       [](const Message& m) {
         auto ruri = Uri::parse(m.request_uri());
         ASSERT_TRUE(ruri);
         EXPECT_EQ(ruri->user(), "user;par=u%40example.net");
         EXPECT_EQ(ruri->host(), "example.com");
         EXPECT_TRUE(ruri->params().items().empty());
         EXPECT_EQ(m.header_values(HeaderId::Accept).size(), 6u);
       },
       nullptr},
      {"transports.dat", 0, "",
       [](const Message& m) {
         const auto v = vias(m);
         ASSERT_EQ(v.size(), 5u);
         EXPECT_EQ(v[0].transport, "UDP");
         EXPECT_EQ(v[1].transport, "SCTP");
         EXPECT_EQ(v[2].transport, "TLS");
         EXPECT_EQ(v[3].transport, "UNKNOWN");
         EXPECT_EQ(v[4].transport, "TCP");
       },
       nullptr},
      {"mpart01.dat", 0, "",
       [](const Message& m) {
         EXPECT_EQ(m.method(), "MESSAGE");
         EXPECT_EQ(m.header(HeaderId::ContentType), "multipart/mixed;boundary=7a9cbec02ceef655");
         EXPECT_EQ(m.body().size(), 553u);
         EXPECT_TRUE(m.body().starts_with("--7a9cbec02ceef655"));
         EXPECT_TRUE(m.top_via()->has_rport());
       },
       nullptr},
      {"unreason.dat", 0, "",
       [](const Message& m) {
         EXPECT_TRUE(m.is_response());
         EXPECT_EQ(m.status(), 200);
         EXPECT_TRUE(m.reason().starts_with("= 2**3 * 5**2 "));
         EXPECT_TRUE(m.reason().ends_with("\xd0\xb5"));
         EXPECT_EQ(m.body().size(), 154u);
       },
       nullptr},
      {"noreason.dat", 0, "",
       [](const Message& m) {
         EXPECT_EQ(m.status(), 100);
         EXPECT_EQ(m.reason(), "");
       },
       nullptr},

      // ---- §3.1.2 invalid messages ----
      {"badinv01.dat", 400, "Via", nullptr, nullptr},
      {"clerr.dat", 400, "Content-Length", nullptr, nullptr},
      {"ncl.dat", 400, "Content-Length", nullptr,
       [](const std::string&) { EXPECT_FALSE(parse_uint("-999", 0xffffffffu)); }},
      {"scalar02.dat", 400, "CSeq", nullptr,
       [](const std::string&) {
         EXPECT_FALSE(CSeq::parse("36893488147419103232 REGISTER"));
         EXPECT_FALSE(parse_uint("300", 255));
       }},
      {"scalarlg.dat", 400, "CSeq", nullptr, nullptr},
      {"quotbal.dat", 400, "To", nullptr, nullptr},
      {"ltgtruri.dat", 400, "Request-URI", nullptr, nullptr},
      {"lwsruri.dat", 400, "Request", nullptr, nullptr},
      {"lwsstart.dat", 400, "Request", nullptr, nullptr},
      {"trws.dat", 400, "Request", nullptr, nullptr},
      {"escruri.dat", 400, "Request-URI", nullptr, nullptr},
      {"baddate.dat", 400, "Date", nullptr, nullptr},
      {"regbadct.dat", 400, "Contact", nullptr, nullptr},
      {"badaspec.dat", 400, "To", nullptr, nullptr},
      {"baddn.dat", 400, "", nullptr,
       [](const std::string& raw) {
         // The file also lacks the final empty line; with it added the display name is
         // still what makes the message invalid.
         auto fixed = Message::parse(raw + "\r\n");
         ASSERT_FALSE(fixed);
         EXPECT_EQ(fixed.error().code, 400);
         EXPECT_NE(fixed.error().message.find("From"), std::string::npos);
         EXPECT_FALSE(NameAddr::parse("Bell, Alexander <sip:a.g.bell@example.com>;tag=43"));
       }},
      {"badvers.dat", 505, "Version", nullptr,
       [](const std::string& raw) {
         auto reply = reply_to_malformed(raw, 505, "Version Not Supported");
         ASSERT_TRUE(reply);
         EXPECT_TRUE(reply->starts_with("SIP/2.0 505 Version Not Supported\r\n"));
       }},
      {"mismatch01.dat", 400, "CSeq Method Mismatch", nullptr, nullptr},
      {"mismatch02.dat", 400, "CSeq Method Mismatch", nullptr, nullptr},
      {"bigcode.dat", 400, "Status Line", nullptr,
       [](const std::string& raw) { EXPECT_FALSE(reply_to_malformed(raw, 400, "Bad Request")); }},

      // ---- §3.2 transaction layer semantics ----
      {"badbranch.dat", 0, "",
       [](const Message& m) {
         // Only the magic cookie: not an RFC 3261 branch, the transaction layer must
         // fall back to RFC 2543 matching.
         EXPECT_EQ(m.top_via()->branch(), "z9hG4bK");
       },
       nullptr},

      // ---- §3.3 application layer semantics ----
      {"insuf.dat", 400, "Missing", nullptr,
       [](const std::string& raw) {
         auto reply = reply_to_malformed(raw, 400, "Missing From Header");
         EXPECT_FALSE(reply);  // no Call-ID to answer with
       }},
      {"unkscm.dat", 0, "",
       [](const Message& m) {
         auto ruri = Uri::parse(m.request_uri());  // a proxy answers 416
         ASSERT_TRUE(ruri);
         EXPECT_EQ(ruri->scheme(), "nobodyKnowsThisScheme");
         EXPECT_FALSE(ruri->is_sip());
         EXPECT_EQ(ruri->opaque(), "totallyopaquecontent");
       },
       nullptr},
      {"novelsc.dat", 0, "",
       [](const Message& m) {
         auto ruri = Uri::parse(m.request_uri());
         ASSERT_TRUE(ruri);
         EXPECT_EQ(ruri->scheme(), "soap.beep");
         EXPECT_FALSE(ruri->is_sip());
         EXPECT_EQ(ruri->opaque(), "//192.0.2.103:3002");
       },
       nullptr},
      {"unksm2.dat", 0, "",
       [](const Message& m) {
         EXPECT_EQ(m.to()->uri.scheme(), "isbn");
         EXPECT_FALSE(m.to()->uri.is_sip());  // a registrar rejects a non-SIP AOR
         EXPECT_EQ(m.from()->uri.scheme(), "http");
         EXPECT_EQ(first_contact(m).uri.scheme(), "name");
         EXPECT_EQ(first_contact(m).uri.opaque(), "John_Smith");
       },
       nullptr},
      {"bext01.dat", 0, "",
       [](const Message& m) {
         EXPECT_EQ(
             m.header_values(HeaderId::Require),
             (std::vector<std::string_view>{"nothingSupportsThis", "nothingSupportsThisEither"}));
         EXPECT_EQ(
             m.header_values(HeaderId::ProxyRequire),
             (std::vector<std::string_view>{"noProxiesSupportThis", "norDoAnyProxiesSupportThis"}));
       },
       nullptr},
      {"invut.dat", 0, "",
       [](const Message& m) {
         EXPECT_EQ(m.header(HeaderId::ContentType), "application/unknownformat");  // 415
         EXPECT_EQ(m.body().size(), 40u);
       },
       nullptr},
      {"regaut01.dat", 0, "",
       [](const Message& m) {
         EXPECT_EQ(m.header(HeaderId::Authorization), "NoOneKnowsThisScheme opaque-data=here");
         EXPECT_TRUE(m.body().empty());
       },
       nullptr},
      {"multi01.dat", 400, "Duplicate", nullptr, nullptr},
      {"mcl01.dat", 400, "Duplicate Content-Length", nullptr, nullptr},
      {"bcast.dat", 0, "",
       [](const Message& m) {
         EXPECT_EQ(m.status(), 200);
         const auto v = vias(m);
         ASSERT_EQ(v.size(), 2u);
         EXPECT_EQ(v[1].host, "255.255.255.255");
       },
       nullptr},
      {"zeromf.dat", 0, "", [](const Message& m) { EXPECT_EQ(m.max_forwards(), 0u); }, nullptr},
      {"cparam01.dat", 0, "",
       [](const Message& m) {
         const NameAddr c = first_contact(m);  // bare addr-spec: a Contact parameter
         EXPECT_TRUE(c.params.has("unknownparam"));
         EXPECT_TRUE(c.uri.params().items().empty());
         EXPECT_EQ(c.uri.user(), "+19725552222");
       },
       nullptr},
      {"cparam02.dat", 0, "",
       [](const Message& m) {
         const NameAddr c = first_contact(m);  // inside <>: a URI parameter
         EXPECT_TRUE(c.uri.params().has("unknownparam"));
         EXPECT_TRUE(c.params.items().empty());
       },
       nullptr},
      {"regescrt.dat", 0, "",
       [](const Message& m) {
         EXPECT_EQ(first_contact(m).uri.headers(), "Route=%3Csip:sip.example.com%3E");
       },
       nullptr},
      {"sdp01.dat", 0, "",
       [](const Message& m) {
         EXPECT_EQ(m.header_values(HeaderId::Accept),
                   std::vector<std::string_view>{"text/nobodyKnowsThis"});  // 406
         EXPECT_EQ(m.header(HeaderId::ContentType), "application/sdp");
       },
       nullptr},

      // ---- §3.4 backward compatibility ----
      {"inv2543.dat", 0, "",
       [](const Message& m) {
         EXPECT_EQ(m.top_via()->branch(), "");  // RFC 2543 transaction matching
         EXPECT_EQ(m.from()->tag(), "");
         EXPECT_EQ(m.max_forwards(), std::nullopt);
         EXPECT_TRUE(m.body().starts_with("v=0"));
         EXPECT_TRUE(m.body().ends_with("RTP/AVP 0\r\n"));
         auto to = m.to();  // ";user=phone" outside <> belongs to the header
         ASSERT_TRUE(to);
         EXPECT_EQ(to->params.get("user"), "phone");
         EXPECT_FALSE(to->uri.params().has("user"));
         EXPECT_EQ(m.from()->uri.params().get("user"), "phone");
       },
       nullptr},

      // ---- not from RFC 4475: no SIP-Version, no Via, a header line without a colon ----
      {"test.dat", 400, "Request Line", nullptr,
       [](const std::string& raw) { EXPECT_FALSE(reply_to_malformed(raw, 400, "x")); }},
  };
  return kCases;
}

TEST(Rfc4475, EveryFileInTheDirectoryHasACase) {
  std::set<std::string> on_disk, covered;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir())) {
    if (entry.path().extension() == ".dat") on_disk.insert(entry.path().filename().string());
  }
  for (const Case& c : cases()) {
    EXPECT_TRUE(covered.insert(c.file).second) << "twice: " << c.file;
  }
  EXPECT_GE(on_disk.size(), 49u);
  EXPECT_EQ(on_disk, covered);
}

class Rfc4475Test : public ::testing::TestWithParam<Case> {};

TEST_P(Rfc4475Test, BehavesAsTheRfcAsks) {
  const Case& c = GetParam();
  const std::string raw = load(c.file);
  ASSERT_FALSE(raw.empty()) << c.file;
  auto parsed = Message::parse(raw);
  if (c.expected_error == 0) {
    ASSERT_TRUE(parsed) << parsed.error().message;
    ASSERT_TRUE(c.check_parsed);
    c.check_parsed(*parsed);
    // What we write must parse again, with the same headers and body.
    auto again = Message::parse(parsed->serialize());
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->headers().size(),
              parsed->headers().size() + (parsed->header(HeaderId::ContentLength) ? 0 : 1));
    EXPECT_EQ(again->body(), parsed->body());
    c.check_parsed(*again);
  } else {
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, c.expected_error);
    EXPECT_NE(parsed.error().message.find(c.error_contains), std::string::npos)
        << parsed.error().message;
  }
  if (c.check_raw) c.check_raw(raw);
}

INSTANTIATE_TEST_SUITE_P(Torture, Rfc4475Test, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& p) {
                           return p.param.file.substr(0, p.param.file.find('.'));
                         });

}  // namespace
}  // namespace vto::sip
