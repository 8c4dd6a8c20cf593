#include "onvif/ws_discovery.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>

namespace vto::onvif {
namespace {

// As Home Assistant's WSDiscovery sends it (a scope, no type).
std::string probe(std::string_view types, std::string_view scopes) {
  return R"(<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:x="urn:other"><s:Header><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action><a:MessageID>urn:uuid:1234</a:MessageID><a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header><s:Body><d:Probe><d:Types>)" +
         std::string(types) + "</d:Types><d:Scopes>" + std::string(scopes) +
         "</d:Scopes></d:Probe></s:Body></s:Envelope>";
}

DiscoveryFacts facts() {
  return {"urn:uuid:0f0e0d0c-0b0a-4908-a706-050403020100",
          device_scopes("OpenVTO 8001", "OpenVTO", "02:ab:cd:ef:01:23"), 1};
}

TEST(WsDiscovery, AnswersProbesForWhatTheDoorIs) {
  const std::string xaddr = "http://10.0.0.2:80/onvif/device_service";
  auto m = probe_match(probe("", "onvif://www.onvif.org/Profile/Streaming"), facts(), xaddr,
                       "urn:uuid:reply");
  ASSERT_TRUE(m);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(m->c_str()));
  const auto root = doc.document_element();
  EXPECT_STREQ(root.child("s:Header").child_value("a:RelatesTo"), "urn:uuid:1234");
  EXPECT_STREQ(root.child("s:Header").child_value("a:MessageID"), "urn:uuid:reply");
  EXPECT_STREQ(root.child("s:Header").child_value("a:Action"),
               "http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches");
  const auto match = root.child("s:Body").child("d:ProbeMatches").child("d:ProbeMatch");
  EXPECT_STREQ(match.child("a:EndpointReference").child_value("a:Address"),
               facts().endpoint.c_str());
  EXPECT_STREQ(match.child_value("d:XAddrs"), xaddr.c_str());
  EXPECT_STREQ(match.child_value("d:MetadataVersion"), "1");
  const std::string scopes = match.child_value("d:Scopes");
  EXPECT_NE(scopes.find("onvif://www.onvif.org/name/OpenVTO%208001"), std::string::npos);
  EXPECT_NE(scopes.find("onvif://www.onvif.org/mac/02:ab:cd:ef:01:23"), std::string::npos);
  // By type, by the parent scope, with nothing asked.
  EXPECT_TRUE(probe_match(probe("dn:NetworkVideoTransmitter", ""), facts(), xaddr, "x"));
  EXPECT_TRUE(probe_match(probe("", "ONVIF://www.onvif.org/Profile"), facts(), xaddr, "x"));
  EXPECT_TRUE(probe_match(probe("", ""), facts(), xaddr, "x"));
}

TEST(WsDiscovery, IgnoresProbesForOtherThings) {
  const std::string xaddr = "http://10.0.0.2/onvif/device_service";
  EXPECT_FALSE(probe_match(probe("x:Printer", ""), facts(), xaddr, "x"));
  EXPECT_FALSE(probe_match(probe("", "onvif://www.onvif.org/Profile/Stream"), facts(), xaddr, "x"));
  EXPECT_FALSE(probe_match(probe("", "onvif://www.onvif.org/type/ptz"), facts(), xaddr, "x"));
  EXPECT_FALSE(probe_match("not xml", facts(), xaddr, "x"));
  EXPECT_FALSE(probe_match(
      R"(<!DOCTYPE a [<!ENTITY b "c">]><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"/>)",
      facts(), xaddr, "x"));
}

TEST(WsDiscovery, MakesTheAnswerOnlyForAProbeThatMayMatch) {
  int made = 0;
  const auto counted = [&made] {
    ++made;
    return facts();
  };
  const auto xaddr = [&made] {
    ++made;
    return std::string("http://10.0.0.2/onvif/device_service");
  };
  const auto id = [&made] {
    ++made;
    return std::string("urn:uuid:reply");
  };
  for (const std::string& other : {std::string("not xml"), std::string(4000, '<'),
                                   probe("x:Printer", ""), std::string("<a/>")}) {
    EXPECT_FALSE(probe_match(other, counted, xaddr, id));
  }
  EXPECT_EQ(made, 0) << "nothing made for datagrams that are no Probe for this device";
  EXPECT_FALSE(probe_match(probe("", "onvif://www.onvif.org/type/ptz"), counted, xaddr, id));
  EXPECT_EQ(made, 1) << "the scopes need the facts, and nothing more";
  EXPECT_TRUE(probe_match(probe("", ""), counted, xaddr, id));
  EXPECT_EQ(made, 4);
}

TEST(WsDiscovery, HelloAndByeCarryTheSameEndpoint) {
  const std::string hello =
      announcement(true, facts(), "http://h/onvif/device_service", "urn:uuid:m", 1);
  const std::string bye =
      announcement(false, facts(), "http://h/onvif/device_service", "urn:uuid:n", 2);
  EXPECT_NE(hello.find("<d:Hello>"), std::string::npos);
  EXPECT_NE(bye.find("<d:Bye>"), std::string::npos);
  EXPECT_NE(hello.find(facts().endpoint), std::string::npos);
  EXPECT_NE(bye.find(facts().endpoint), std::string::npos);
  EXPECT_NE(bye.find("MessageNumber=\"2\""), std::string::npos);
}

}  // namespace
}  // namespace vto::onvif
