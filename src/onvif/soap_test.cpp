#include "onvif/soap.h"

#include <gtest/gtest.h>

#include "onvif/ws_security.h"

namespace vto::onvif {
namespace {

// As Home Assistant's library (zeep) sends it.
const char* kGetProfiles = R"(<?xml version='1.0' encoding='utf-8'?>
<soap-env:Envelope xmlns:soap-env="http://www.w3.org/2003/05/soap-envelope"><soap-env:Header><wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:UsernameToken><wsse:Username>admin</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">tuOSpGlFlIXsozq4HFNeeGeFLEI=</wsse:Password><wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">LKqI6G/AikKCQrN0zqZFlg==</wsse:Nonce><wsu:Created xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">2025-06-01T12:34:56+00:00</wsu:Created></wsse:UsernameToken></wsse:Security></soap-env:Header><soap-env:Body><ns0:GetStreamUri xmlns:ns0="http://www.onvif.org/ver10/media/wsdl"><ns0:StreamSetup><ns1:Stream xmlns:ns1="http://www.onvif.org/ver10/schema">RTP-Unicast</ns1:Stream><ns2:Transport xmlns:ns2="http://www.onvif.org/ver10/schema"><ns2:Protocol>RTSP</ns2:Protocol></ns2:Transport></ns0:StreamSetup><ns0:ProfileToken>sub</ns0:ProfileToken></ns0:GetStreamUri></soap-env:Body></soap-env:Envelope>)";

TEST(Soap, ReadsTheOperationItsParametersAndTheToken) {
  auto r = SoapRequest::parse(kGetProfiles);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->ns(), kMediaNs);
  EXPECT_EQ(r->operation(), "GetStreamUri");
  EXPECT_EQ(r->param("ProfileToken"), "sub");
  EXPECT_EQ(r->find("Protocol"), "RTSP");
  ASSERT_TRUE(r->token());
  EXPECT_EQ(r->token()->username, "admin");
  EXPECT_EQ(r->token()->password_type, kPasswordDigest);
  EXPECT_EQ(r->token()->nonce.size(), 16u);
  EXPECT_EQ(r->token()->created, "2025-06-01T12:34:56+00:00");
}

TEST(Soap, PrefixesDoNotMatterNamespacesDo) {
  auto r = SoapRequest::parse(
      R"(<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"><Body><GetProfiles xmlns="http://www.onvif.org/ver10/media/wsdl"/></Body></Envelope>)");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->ns(), kMediaNs);
  EXPECT_EQ(r->operation(), "GetProfiles");
  EXPECT_FALSE(r->token());
  // SOAP 1.1's envelope is not this service's.
  EXPECT_FALSE(SoapRequest::parse(
      R"(<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><x/></s:Body></s:Envelope>)"));
}

TEST(Soap, ADocTypeIsRefusedSoNoEntityIsEverRead) {
  // XXE: an external entity in the user name.
  auto r = SoapRequest::parse(
      R"(<?xml version="1.0"?><!DOCTYPE e [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetProfiles xmlns="http://www.onvif.org/ver10/media/wsdl">&xxe;</GetProfiles></s:Body></s:Envelope>)");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "a DOCTYPE is not allowed");
  // A billion laughs never gets to be expanded either.
  EXPECT_FALSE(SoapRequest::parse(
      R"(<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><x>&b;</x></s:Body></s:Envelope>)"));
}

TEST(Soap, MalformedInputIsRefusedWithAReason) {
  EXPECT_FALSE(SoapRequest::parse(""));
  EXPECT_FALSE(SoapRequest::parse("<a>"));
  EXPECT_FALSE(SoapRequest::parse(std::string(kMaxRequest + 1, ' ')));
  EXPECT_EQ(
      SoapRequest::parse(
          R"(<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>)")
          .error()
          .message,
      "no operation in the Body");
}

TEST(Soap, FaultsAndEscaping) {
  const std::string f = fault("Sender", "ter:NotAuthorized", "Sender <not> Authorized");
  EXPECT_NE(f.find("<s:Value>s:Sender</s:Value><s:Subcode><s:Value>ter:NotAuthorized</s:Value>"),
            std::string::npos);
  EXPECT_NE(f.find("Sender &lt;not&gt; Authorized"), std::string::npos);
  EXPECT_TRUE(SoapRequest::parse(f));  // our own envelope reads back
  EXPECT_EQ(xml_escape("a&b\"c'\x01"), "a&amp;b&quot;c&apos;");
}

TEST(WsSecurity, CreatedAsEachClientWritesIt) {
  EXPECT_EQ(parse_created_ms("1970-01-01T00:00:01+00:00"), 1000);
  EXPECT_EQ(parse_created_ms("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(parse_created_ms("1970-01-01T00:00:01.123456789Z"), 1123);
  EXPECT_EQ(parse_created_ms("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(parse_created_ms("2025-06-01T12:34:56Z"), 1748781296000);
  EXPECT_FALSE(parse_created_ms("2025-06-01T12:34:56"));  // no zone
  EXPECT_FALSE(parse_created_ms("2025-02-30T12:34:56Z"));
  EXPECT_FALSE(parse_created_ms("2025-06-01T12:34:56.Z"));
  EXPECT_FALSE(parse_created_ms("2025-06-01T12:34:56.1234567890Z"));
  EXPECT_FALSE(parse_created_ms("2025-06-01 12:34:56Z"));
  EXPECT_FALSE(parse_created_ms(""));
}

TEST(WsSecurity, ANonceIsGoodOnceAndOnlyInTheWindow) {
  NonceCache cache;
  const std::int64_t now = 1'800'000'000'000;
  EXPECT_EQ(cache.check("n1", now, now), NonceCache::Verdict::Fresh);
  EXPECT_EQ(cache.check("n1", now, now + 1000), NonceCache::Verdict::Replay);
  EXPECT_EQ(cache.check("n2", now - NonceCache::kWindowMs - 1, now), NonceCache::Verdict::Stale);
  EXPECT_EQ(cache.check("n3", now + NonceCache::kWindowMs + 1, now), NonceCache::Verdict::Stale);
  // Out of the window, a remembered nonce is forgotten: its Created makes it stale anyway.
  EXPECT_EQ(cache.check("n1", now, now + NonceCache::kWindowMs + 1), NonceCache::Verdict::Stale);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(WsSecurity, AFullCacheRefusesWhatItCouldNoLongerTellFromAReplay) {
  NonceCache cache(2);
  const std::int64_t now = 1'800'000'000'000;
  EXPECT_EQ(cache.check("a", now - 3000, now), NonceCache::Verdict::Fresh);
  EXPECT_EQ(cache.check("b", now - 2000, now), NonceCache::Verdict::Fresh);
  EXPECT_EQ(cache.check("c", now - 1000, now), NonceCache::Verdict::Fresh);  // "a" forgotten
  EXPECT_EQ(cache.check("a", now - 3000, now), NonceCache::Verdict::Stale);  // not replayable
  EXPECT_EQ(cache.size(), 2u);
}

}  // namespace
}  // namespace vto::onvif
