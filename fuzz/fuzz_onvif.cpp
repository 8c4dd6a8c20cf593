// What reaches the ONVIF services and WS-Discovery from the network (onvif/soap.h,
// onvif/ws_discovery.h, onvif/ws_security.h): SOAP requests of any shape, Probes, Created
// times. Whatever is read, nothing crashes, a request read has an operation, and an answer
// to a Probe always names the Probe it answers. (soap_test.cpp shows a DOCTYPE refused.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "onvif/soap.h"
#include "onvif/ws_discovery.h"
#include "onvif/ws_security.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto r = vto::onvif::SoapRequest::parse(input)) {
    if (r->operation().empty()) std::abort();
    (void)r->param("ProfileToken");
    (void)r->find("Protocol");
    if (r->token()) (void)vto::onvif::parse_created_ms(r->token()->created);
  }
  const vto::onvif::DiscoveryFacts facts{"urn:uuid:00000000-0000-4000-8000-000000000000",
                                         vto::onvif::device_scopes("door", "OpenVTO", "02:00:00:00:00:01"), 1};
  if (auto m = vto::onvif::probe_match(input, facts, "http://10.0.0.1/onvif/device_service", "urn:uuid:x")) {
    if (m->find("<a:RelatesTo>") == std::string::npos) std::abort();
  }
  (void)vto::onvif::parse_created_ms(input);
  return 0;
}
