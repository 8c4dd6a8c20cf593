#include "sip/message/headers.h"

#include <gtest/gtest.h>

namespace vto::sip {
namespace {

TEST(HeaderId, FullAndCompactNamesAnyCase) {
  EXPECT_EQ(header_id("Via"), HeaderId::Via);
  EXPECT_EQ(header_id("VIA"), HeaderId::Via);
  EXPECT_EQ(header_id("v"), HeaderId::Via);
  EXPECT_EQ(header_id("V"), HeaderId::Via);
  EXPECT_EQ(header_id("i"), HeaderId::CallId);
  EXPECT_EQ(header_id("call-id"), HeaderId::CallId);
  EXPECT_EQ(header_id("m"), HeaderId::Contact);
  EXPECT_EQ(header_id("f"), HeaderId::From);
  EXPECT_EQ(header_id("t"), HeaderId::To);
  EXPECT_EQ(header_id("l"), HeaderId::ContentLength);
  EXPECT_EQ(header_id("c"), HeaderId::ContentType);
  EXPECT_EQ(header_id("k"), HeaderId::Supported);
  EXPECT_EQ(header_id("s"), HeaderId::Subject);
  EXPECT_EQ(header_id("e"), HeaderId::ContentEncoding);
  EXPECT_EQ(header_id("o"), HeaderId::Event);
  EXPECT_EQ(header_id("r"), HeaderId::ReferTo);
  EXPECT_EQ(header_id("u"), HeaderId::Other);  // Allow-Events has no id
  EXPECT_EQ(header_id("www-authenticate"), HeaderId::WwwAuthenticate);
  EXPECT_EQ(header_id("Proxy-Require"), HeaderId::ProxyRequire);
  EXPECT_EQ(header_id("C%6Fntact"), HeaderId::Other);
  EXPECT_EQ(header_id("X-Foo"), HeaderId::Other);
  EXPECT_EQ(header_id(""), HeaderId::Other);
}

TEST(HeaderId, EveryIdHasACanonicalNameThatMapsBack) {
  for (int i = 1; i <= static_cast<int>(HeaderId::Timestamp); ++i) {
    const auto id = static_cast<HeaderId>(i);
    ASSERT_FALSE(header_name(id).empty()) << i;
    EXPECT_EQ(header_id(header_name(id)), id) << header_name(id);
  }
  EXPECT_EQ(header_name(HeaderId::CallId), "Call-ID");
  EXPECT_EQ(header_name(HeaderId::CSeq), "CSeq");
  EXPECT_EQ(header_name(HeaderId::WwwAuthenticate), "WWW-Authenticate");
  EXPECT_TRUE(is_list_header(HeaderId::Via));
  EXPECT_TRUE(is_list_header(HeaderId::Route));
  EXPECT_FALSE(is_list_header(HeaderId::Authorization));
  EXPECT_FALSE(is_list_header(HeaderId::Date));
}

TEST(Via, ParsesSentByAndParams) {
  auto v = Via::parse("SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK776;received=10.0.0.1;rport=4000");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->protocol, "SIP/2.0");
  EXPECT_EQ(v->transport, "UDP");
  EXPECT_EQ(v->host, "192.0.2.1");
  EXPECT_EQ(v->port, 5062);
  EXPECT_EQ(v->sent_by_text, "192.0.2.1:5062");
  EXPECT_EQ(v->branch(), "z9hG4bK776");
  EXPECT_EQ(v->received(), "10.0.0.1");
  EXPECT_TRUE(v->has_rport());
  EXPECT_EQ(v->rport(), 4000);
}

TEST(Via, EmptyRportAndIpv6) {
  auto v = Via::parse("SIP/2.0/TCP [2001:db8::9]:5060;rport;branch=z9hG4bKx");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->host, "[2001:db8::9]");
  EXPECT_EQ(v->port, 5060);
  EXPECT_TRUE(v->has_rport());
  EXPECT_EQ(v->rport(), std::nullopt);
  EXPECT_EQ(v->received(), std::nullopt);
  auto plain = Via::parse("SIP/2.0/UDP host");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->branch(), "");
  EXPECT_FALSE(plain->has_rport());
}

TEST(Via, LinearWhitespaceAroundSlashes) {
  auto v = Via::parse("SIP  /   2.0   /UDP      192.0.2.2 ; branch = abc");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->protocol, "SIP/2.0");
  EXPECT_EQ(v->transport, "UDP");
  EXPECT_EQ(v->branch(), "abc");
}

TEST(Via, RejectsMalformed) {
  for (const char* bad :
       {"", "SIP/2.0", "SIP/2.0/UDP", "SIP/2.0/UDP ", "SIP/2.0 UDP host", "SIP/2.0/UDP host;;",
        "SIP/2.0/UDP host;", "SIP/2.0/UDP host:99999", "SIP/2.0/UDP a, SIP/2.0/UDP b",
        "SIP/2.0/UDP host junk", "SIP/2.0/UDPhost", "SIP/2.0/UDP [::1"}) {
    EXPECT_FALSE(Via::parse(bad)) << bad;
  }
}

TEST(NameAddr, QuotedDisplayAndParams) {
  auto na = NameAddr::parse(R"("Door \"A\"" <sip:101@vto.local;transport=tcp>;tag=xyz;expires=60)");
  ASSERT_TRUE(na);
  EXPECT_EQ(na->display, R"(Door \"A\")");
  EXPECT_EQ(na->uri.user(), "101");
  EXPECT_EQ(na->uri.params().get("transport"), "tcp");
  EXPECT_EQ(na->tag(), "xyz");
  EXPECT_EQ(na->params.get("expires"), "60");
  EXPECT_FALSE(na->uri.params().has("tag"));
}

TEST(NameAddr, TokenDisplayAndBareAddrSpec) {
  auto na = NameAddr::parse("Front Door <sip:door@10.0.0.2>");
  ASSERT_TRUE(na);
  EXPECT_EQ(na->display, "Front Door");
  EXPECT_EQ(na->tag(), "");
  auto bare = NameAddr::parse("sip:101@h;tag=1;user=phone");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->display, "");
  EXPECT_EQ(bare->uri.text(), "sip:101@h");
  EXPECT_EQ(bare->tag(), "1");
  EXPECT_EQ(bare->params.get("user"), "phone");
  auto angle = NameAddr::parse("<sip:h>");
  ASSERT_TRUE(angle);
  EXPECT_EQ(angle->uri.host(), "h");
}

TEST(NameAddr, RejectsMalformed) {
  for (const char* bad :
       {"", "\"unterminated <sip:a@b>", "<sip:a@b", "< sip:a@b >", "Bell, Alexander <sip:a@b>",
        "sip:a@b?x=y", "<sip:a@b> junk", "\"x\" sip:a@b", "<sip:a@b>;;", "sip:a@b;tag=", "<>"}) {
    EXPECT_FALSE(NameAddr::parse(bad)) << bad;
  }
}

TEST(CSeq, Parses) {
  auto c = CSeq::parse("  0042   INVITE ");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->number, 42u);
  EXPECT_EQ(c->method, "INVITE");
  EXPECT_TRUE(CSeq::parse("2147483647 ACK"));
  for (const char* bad : {"", "1", "INVITE", "1INVITE", "-1 INVITE", "2147483648 INVITE",
                          "1 INV ITE", "1 <INVITE>"}) {
    EXPECT_FALSE(CSeq::parse(bad)) << bad;
  }
}

TEST(ParseUint, BoundsAndDigits) {
  EXPECT_EQ(*parse_uint("0", 10), 0u);
  EXPECT_EQ(*parse_uint(" 70 ", 255), 70u);
  EXPECT_EQ(*parse_uint("4294967295", 0xffffffffu), 4294967295u);
  EXPECT_FALSE(parse_uint("4294967296", 0xffffffffu));
  EXPECT_FALSE(parse_uint("256", 255));
  EXPECT_FALSE(parse_uint("", 255));
  EXPECT_FALSE(parse_uint("1a", 255));
  EXPECT_FALSE(parse_uint("+1", 255));
  EXPECT_FALSE(parse_uint("99999999999999999999999999999", 0xffffffffu));
}

}  // namespace
}  // namespace vto::sip
