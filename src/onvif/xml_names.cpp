#include "onvif/xml_names.h"

namespace vto::onvif {

std::string_view local_name(std::string_view qualified) {
  const auto colon = qualified.find(':');
  return colon == std::string_view::npos ? qualified : qualified.substr(colon + 1);
}

std::string namespace_of(pugi::xml_node node, std::string_view qualified) {
  const auto colon = qualified.find(':');
  const std::string attr = colon == std::string_view::npos
                               ? "xmlns"
                               : "xmlns:" + std::string(qualified.substr(0, colon));
  for (pugi::xml_node n = node; n; n = n.parent()) {
    if (n.type() != pugi::node_element) continue;
    if (pugi::xml_attribute a = n.attribute(attr.c_str())) return a.value();
  }
  return {};
}

bool is_element(pugi::xml_node node, std::string_view ns, std::string_view name) {
  return node.type() == pugi::node_element && local_name(node.name()) == name &&
         namespace_of(node, node.name()) == ns;
}

pugi::xml_node child_element(pugi::xml_node parent, std::string_view ns, std::string_view name) {
  for (pugi::xml_node c : parent.children())
    if (is_element(c, ns, name)) return c;
  return {};
}

pugi::xml_node only_root(const pugi::xml_document& doc) {
  pugi::xml_node root;
  for (pugi::xml_node n : doc.children()) {
    if (n.type() == pugi::node_doctype) return {};
    if (n.type() == pugi::node_element) {
      if (root) return {};
      root = n;
    }
  }
  return root;
}

}  // namespace vto::onvif
