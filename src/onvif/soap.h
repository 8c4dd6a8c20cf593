// A SOAP 1.2 request as ONVIF clients send it, read with pugixml (no DTD, no entities: a
// document with a DOCTYPE is refused whole): the operation (the Body's first element, by
// namespace URI and local name, whatever the prefixes), its parameters, and the
// WS-Security UsernameToken of the Header if there is one. And the envelopes of the
// answers: a response body, or a SOAP 1.2 Fault with ONVIF's subcodes.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace pugi {
class xml_document;
class xml_node;
}  // namespace pugi

namespace vto::onvif {

inline constexpr std::size_t kMaxRequest = 64 * 1024;

inline constexpr std::string_view kSoapEnv = "http://www.w3.org/2003/05/soap-envelope";
inline constexpr std::string_view kDeviceNs = "http://www.onvif.org/ver10/device/wsdl";
inline constexpr std::string_view kMediaNs = "http://www.onvif.org/ver10/media/wsdl";
inline constexpr std::string_view kSchemaNs = "http://www.onvif.org/ver10/schema";
inline constexpr std::string_view kErrorNs = "http://www.onvif.org/ver10/error";
inline constexpr std::string_view kWsseNs =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
inline constexpr std::string_view kWsuNs =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
inline constexpr std::string_view kPasswordDigest =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#"
    "PasswordDigest";

struct UsernameToken {
  std::string username;
  std::string password;       // as sent: the digest (base64), or the text
  std::string password_type;  // the Type attribute; empty: PasswordText
  std::string nonce;          // decoded from base64
  std::string created;        // as sent
};

class SoapRequest {
 public:
  // Errc::Invalid with what is wrong: not XML, a DOCTYPE, not a SOAP 1.2 envelope, no
  // body element, a body over kMaxRequest, a UsernameToken's nonce that is not base64.
  static Result<SoapRequest> parse(std::string_view body);

  const std::string& ns() const { return ns_; }         // the operation's namespace URI
  const std::string& operation() const { return op_; }  // its local name
  const std::optional<UsernameToken>& token() const { return token_; }
  // The text of the operation's child element `name` (by local name), trimmed; "" if none.
  std::string param(std::string_view name) const;
  // The text of the first element named `name` (local name) anywhere under the operation.
  std::string find(std::string_view name) const;

  SoapRequest(SoapRequest&&) noexcept;
  SoapRequest& operator=(SoapRequest&&) noexcept;
  ~SoapRequest();

 private:
  SoapRequest();
  std::unique_ptr<pugi::xml_document> doc_;
  std::string ns_, op_;
  std::optional<UsernameToken> token_;
};

// Text escaped for XML content and attribute values.
std::string xml_escape(std::string_view text);

// A SOAP 1.2 envelope around `body` (already XML), declaring the tds, trt, tt, ter and
// wsdl prefixes.
std::string envelope(std::string_view body);
// A SOAP 1.2 Fault: `code` "Sender" or "Receiver", `subcode` an ONVIF error ("ter:..."),
// and the reason's text.
std::string fault(std::string_view code, std::string_view subcode, std::string_view reason);

}  // namespace vto::onvif
