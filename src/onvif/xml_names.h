// Reading namespaced XML with pugixml, which keeps prefixes as written: an element's local
// name, the namespace URI its prefix stands for where it is, and a child by both. For the
// SOAP and WS-Discovery readers.
#pragma once

#include <pugixml.hpp>
#include <string>
#include <string_view>

namespace vto::onvif {

std::string_view local_name(std::string_view qualified);
// The URI of `qualified`'s prefix (no prefix: the default namespace) declared on `node` or
// an ancestor; "" when none is.
std::string namespace_of(pugi::xml_node node, std::string_view qualified);
bool is_element(pugi::xml_node node, std::string_view ns, std::string_view name);
// The first child element of `parent` with that namespace and local name; empty if none.
pugi::xml_node child_element(pugi::xml_node parent, std::string_view ns, std::string_view name);
// The root element of a document read with parse_doctype; empty when there is a DOCTYPE or
// more than one root element.
pugi::xml_node only_root(const pugi::xml_document& doc);

}  // namespace vto::onvif
