#include "onvif/soap.h"

#include <openssl/evp.h>

#include <algorithm>
#include <pugixml.hpp>

#include "onvif/xml_names.h"

namespace vto::onvif {

namespace {

std::string trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

std::optional<std::string> base64_decode(std::string_view in) {
  std::string text = trimmed(in);
  if (text.empty()) return std::string();
  if (text.size() % 4 != 0 || text.size() > 1024) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t size = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts the padding's zero bytes.
  if (text.ends_with("=="))
    size -= 2;
  else if (text.ends_with('='))
    size -= 1;
  out.resize(size);
  return out;
}

}  // namespace

SoapRequest::SoapRequest() : doc_(std::make_unique<pugi::xml_document>()) {}
SoapRequest::SoapRequest(SoapRequest&&) noexcept = default;
SoapRequest& SoapRequest::operator=(SoapRequest&&) noexcept = default;
SoapRequest::~SoapRequest() = default;

Result<SoapRequest> SoapRequest::parse(std::string_view body) {
  if (body.size() > kMaxRequest) return make_error("request too large", Errc::Invalid);
  SoapRequest r;
  // parse_doctype keeps a DOCTYPE as a node, so that it can be refused; pugixml never reads
  // a DTD nor expands an entity but the five of XML.
  const auto parsed = r.doc_->load_buffer(
      body.data(), body.size(), pugi::parse_default | pugi::parse_doctype, pugi::encoding_utf8);
  if (!parsed) return make_error(std::string("not XML: ") + parsed.description(), Errc::Invalid);
  pugi::xml_node envelope;
  for (pugi::xml_node n : r.doc_->children()) {
    if (n.type() == pugi::node_doctype)
      return make_error("a DOCTYPE is not allowed", Errc::Invalid);
    if (n.type() == pugi::node_element) {
      if (envelope) return make_error("more than one root element", Errc::Invalid);
      envelope = n;
    }
  }
  if (!envelope || !is_element(envelope, kSoapEnv, "Envelope"))
    return make_error("not a SOAP 1.2 envelope", Errc::Invalid);
  const pugi::xml_node body_node = child_element(envelope, kSoapEnv, "Body");
  pugi::xml_node op;
  for (pugi::xml_node c : body_node.children())
    if (c.type() == pugi::node_element) {
      op = c;
      break;
    }
  if (!op) return make_error("no operation in the Body", Errc::Invalid);
  r.ns_ = namespace_of(op, op.name());
  r.op_ = std::string(local_name(op.name()));

  const pugi::xml_node header = child_element(envelope, kSoapEnv, "Header");
  const pugi::xml_node security = child_element(header, kWsseNs, "Security");
  if (const pugi::xml_node token = child_element(security, kWsseNs, "UsernameToken")) {
    UsernameToken t;
    t.username = trimmed(child_element(token, kWsseNs, "Username").child_value());
    const pugi::xml_node password = child_element(token, kWsseNs, "Password");
    t.password = trimmed(password.child_value());
    t.password_type = password.attribute("Type").value();
    auto nonce = base64_decode(child_element(token, kWsseNs, "Nonce").child_value());
    if (!nonce) return make_error("the UsernameToken's Nonce is not base64", Errc::Invalid);
    t.nonce = *nonce;
    t.created = trimmed(child_element(token, kWsuNs, "Created").child_value());
    r.token_ = std::move(t);
  }
  return r;
}

std::string SoapRequest::param(std::string_view name) const {
  const pugi::xml_node root = doc_->document_element();
  pugi::xml_node body_node = child_element(root, kSoapEnv, "Body");
  for (pugi::xml_node op : body_node.children()) {
    if (op.type() != pugi::node_element) continue;
    for (pugi::xml_node c : op.children())
      if (c.type() == pugi::node_element && local_name(c.name()) == name)
        return trimmed(c.child_value());
    break;
  }
  return {};
}

std::string SoapRequest::find(std::string_view name) const {
  const pugi::xml_node root = doc_->document_element();
  pugi::xml_node body_node = child_element(root, kSoapEnv, "Body");
  const pugi::xml_node found = body_node.find_node([&](pugi::xml_node n) {
    return n.type() == pugi::node_element && local_name(n.name()) == name;
  });
  return trimmed(found.child_value());
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters have no place in XML 1.0.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') out += c;
    }
  }
  return out;
}

std::string envelope(std::string_view body) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
      "xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\" "
      "xmlns:trt=\"http://www.onvif.org/ver10/media/wsdl\" "
      "xmlns:tt=\"http://www.onvif.org/ver10/schema\" "
      "xmlns:ter=\"http://www.onvif.org/ver10/error\">"
      "<s:Body>";
  out += body;
  out += "</s:Body></s:Envelope>\n";
  return out;
}

std::string fault(std::string_view code, std::string_view subcode, std::string_view reason) {
  std::string body = "<s:Fault><s:Code><s:Value>s:" + std::string(code) +
                     "</s:Value><s:Subcode><s:Value>" + std::string(subcode) +
                     "</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang=\"en\">" +
                     xml_escape(reason) + "</s:Text></s:Reason></s:Fault>";
  return envelope(body);
}

}  // namespace vto::onvif
