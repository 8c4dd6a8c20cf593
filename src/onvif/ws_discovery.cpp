#include "onvif/ws_discovery.h"

#include <boost/asio/ip/multicast.hpp>
#include <pugixml.hpp>

#include "core/log.h"
#include "core/secure_random.h"
#include "onvif/soap.h"
#include "onvif/xml_names.h"

namespace vto::onvif {

namespace {

constexpr std::string_view kAddressing = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
constexpr std::string_view kDiscovery = "http://schemas.xmlsoap.org/ws/2005/04/discovery";
constexpr std::string_view kNetworkNs = "http://www.onvif.org/ver10/network/wsdl";

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto start = text.find_first_not_of(" \t\r\n", pos);
    if (start == std::string_view::npos) break;
    const auto end = text.find_first_of(" \t\r\n", start);
    out.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    pos = end;
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// RFC 3986 matching (WS-Discovery's default): scheme and authority case-insensitive, the
// probe's path a prefix of ours at a '/' boundary.
bool scope_matches(std::string_view asked, std::string_view ours) {
  const auto split = [](std::string_view s) {
    const auto scheme_end = s.find("://");
    if (scheme_end == std::string_view::npos)
      return std::pair<std::string, std::string>{lower(s), ""};
    const auto path_start = s.find('/', scheme_end + 3);
    if (path_start == std::string_view::npos)
      return std::pair<std::string, std::string>{lower(s), ""};
    return std::pair<std::string, std::string>{lower(s.substr(0, path_start)),
                                               std::string(s.substr(path_start))};
  };
  auto [a_root, a_path] = split(asked);
  auto [o_root, o_path] = split(ours);
  if (a_root != o_root) return false;
  while (a_path.ends_with('/')) a_path.pop_back();
  if (a_path.empty()) return true;
  return o_path == a_path || (o_path.starts_with(a_path) && o_path[a_path.size()] == '/');
}

std::string percent_encode(std::string_view v) {
  std::string out;
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':') {
      out += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789ABCDEF";
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string new_message_id() {
  core::SecureRandom random;
  const std::string h = random.hex(16);
  return "urn:uuid:" + h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-a" +
         h.substr(17, 3) + "-" + h.substr(20, 12);
}

std::string envelope_start(std::string_view action, std::string_view message_id,
                           std::string_view extra_header) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<s:Envelope "
         "xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
         "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
         "xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\" "
         "xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\" "
         "xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\"><s:Header><a:Action>" +
         std::string(action) + "</a:Action><a:MessageID>" + xml_escape(message_id) +
         "</a:MessageID>" + std::string(extra_header) + "</s:Header><s:Body>";
}

std::string match_body(const DiscoveryFacts& f, const std::string& xaddr) {
  std::string scopes;
  for (const auto& s : f.scopes) scopes += (scopes.empty() ? "" : " ") + s;
  return "<a:EndpointReference><a:Address>" + xml_escape(f.endpoint) +
         "</a:Address></a:EndpointReference><d:Types>dn:NetworkVideoTransmitter tds:Device"
         "</d:Types><d:Scopes>" +
         xml_escape(scopes) + "</d:Scopes><d:XAddrs>" + xml_escape(xaddr) +
         "</d:XAddrs><d:MetadataVersion>" + std::to_string(f.metadata_version) +
         "</d:MetadataVersion>";
}

}  // namespace

std::vector<std::string> device_scopes(std::string_view name, std::string_view hardware,
                                       std::string_view mac) {
  return {"onvif://www.onvif.org/Profile/Streaming",
          "onvif://www.onvif.org/type/video_encoder",
          "onvif://www.onvif.org/type/NetworkVideoTransmitter",
          "onvif://www.onvif.org/name/" + percent_encode(name),
          "onvif://www.onvif.org/hardware/" + percent_encode(hardware),
          "onvif://www.onvif.org/mac/" + percent_encode(mac)};
}

std::optional<std::string> probe_match(std::string_view datagram, const DiscoveryFacts& facts,
                                       const std::string& xaddr, const std::string& message_id) {
  return probe_match(
      datagram, [&] { return facts; }, [&] { return xaddr; }, [&] { return message_id; });
}

std::optional<std::string> probe_match(std::string_view datagram,
                                       const std::function<DiscoveryFacts()>& make_facts,
                                       const std::function<std::string()>& xaddr,
                                       const std::function<std::string()>& message_id) {
  pugi::xml_document doc;
  if (datagram.size() > 16 * 1024) return std::nullopt;
  if (!doc.load_buffer(datagram.data(), datagram.size(), pugi::parse_default | pugi::parse_doctype,
                       pugi::encoding_utf8))
    return std::nullopt;
  const pugi::xml_node envelope = only_root(doc);
  if (!is_element(envelope, kSoapEnv, "Envelope")) return std::nullopt;
  const pugi::xml_node header = child_element(envelope, kSoapEnv, "Header");
  const pugi::xml_node probe =
      child_element(child_element(envelope, kSoapEnv, "Body"), kDiscovery, "Probe");
  if (!probe) return std::nullopt;
  const std::string relates_to = child_element(header, kAddressing, "MessageID").child_value();
  if (relates_to.empty() || relates_to.size() > 256) return std::nullopt;

  // Types: every type asked for must be one of ours.
  const pugi::xml_node types = child_element(probe, kDiscovery, "Types");
  for (std::string_view qname : words(types.child_value())) {
    const std::string ns = namespace_of(types, qname);
    const std::string_view name = local_name(qname);
    const bool ours = (ns == kNetworkNs && name == "NetworkVideoTransmitter") ||
                      (ns == kDeviceNs && name == "Device");
    if (!ours) return std::nullopt;
  }
  // Scopes: every scope asked for must match one of ours.
  const pugi::xml_node scopes = child_element(probe, kDiscovery, "Scopes");
  const std::string match_by = scopes.attribute("MatchBy").value();
  if (!match_by.empty() && match_by != "http://schemas.xmlsoap.org/ws/2005/04/discovery/rfc3986")
    return std::nullopt;
  const DiscoveryFacts facts = make_facts();
  for (std::string_view asked : words(scopes.child_value())) {
    bool found = false;
    for (const auto& s : facts.scopes) found = found || scope_matches(asked, s);
    if (!found) return std::nullopt;
  }
  return envelope_start("http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches",
                        message_id(),
                        "<a:RelatesTo>" + xml_escape(relates_to) +
                            "</a:RelatesTo><a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/"
                            "role/anonymous</a:To>") +
         "<d:ProbeMatches><d:ProbeMatch>" + match_body(facts, xaddr()) +
         "</d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>\n";
}

std::string announcement(bool hello, const DiscoveryFacts& facts, const std::string& xaddr,
                         const std::string& message_id, std::uint64_t message_number) {
  const std::string action =
      std::string("http://schemas.xmlsoap.org/ws/2005/04/discovery/") + (hello ? "Hello" : "Bye");
  return envelope_start(action, message_id,
                        "<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>"
                        "<d:AppSequence InstanceId=\"1\" MessageNumber=\"" +
                            std::to_string(message_number) + "\"/>") +
         (hello ? "<d:Hello>" : "<d:Bye>") + match_body(facts, xaddr) +
         (hello ? "</d:Hello>" : "</d:Bye>") + "</s:Body></s:Envelope>\n";
}

WsDiscovery::WsDiscovery(boost::asio::io_context& io, Hooks hooks)
    : io_(io), hooks_(std::move(hooks)), socket_(io) {}

WsDiscovery::~WsDiscovery() {
  boost::system::error_code ec;
  socket_.close(ec);
}

std::uint16_t WsDiscovery::port() const {
  boost::system::error_code ec;
  return socket_.is_open() ? socket_.local_endpoint(ec).port() : 0;
}

Result<void> WsDiscovery::start(std::uint16_t port) {
  namespace ip = boost::asio::ip;
  boost::system::error_code ec;
  socket_.open(ip::udp::v4(), ec);
  if (!ec) socket_.set_option(ip::udp::socket::reuse_address(true), ec);
  if (!ec) socket_.bind(ip::udp::endpoint(ip::address_v4::any(), port), ec);
  if (!ec) socket_.set_option(ip::multicast::join_group(ip::make_address_v4(kGroup)), ec);
  if (!ec) socket_.set_option(ip::multicast::hops(4), ec);
  if (ec) {
    boost::system::error_code ignored;
    socket_.close(ignored);
    return make_error("WS-Discovery on UDP " + std::to_string(port) + ": " + ec.message(),
                      Errc::Unavailable);
  }
  receive();
  announce(true);
  return {};
}

void WsDiscovery::stop() {
  if (!socket_.is_open()) return;
  announce(false);
  boost::system::error_code ec;
  socket_.close(ec);
}

std::string WsDiscovery::local_address_toward(const boost::asio::ip::udp::endpoint& to) {
  boost::asio::ip::udp::socket probe(io_);
  boost::system::error_code ec;
  probe.open(boost::asio::ip::udp::v4(), ec);
  if (!ec) probe.connect(to, ec);
  if (ec) return "127.0.0.1";
  const auto local = probe.local_endpoint(ec);
  return ec ? "127.0.0.1" : local.address().to_string();
}

void WsDiscovery::announce(bool hello) {
  const boost::asio::ip::udp::endpoint group(boost::asio::ip::make_address_v4(kGroup), kPort);
  const std::string message =
      announcement(hello, hooks_.facts(), hooks_.xaddr(local_address_toward(group)),
                   new_message_id(), ++message_number_);
  boost::system::error_code ec;
  socket_.send_to(boost::asio::buffer(message), group, 0, ec);
  if (ec) core::logger("onvif")->warn("WS-Discovery {}: {}", hello ? "Hello" : "Bye", ec.message());
}

void WsDiscovery::receive() {
  socket_.async_receive_from(
      boost::asio::buffer(buffer_), from_,
      [this](const boost::system::error_code& ec, std::size_t n) {
        if (ec == boost::asio::error::operation_aborted || !socket_.is_open()) return;
        if (!ec) answer(std::string_view(buffer_.data(), n), from_);
        receive();
      });
}

void WsDiscovery::answer(std::string_view datagram, const boost::asio::ip::udp::endpoint& from) {
  const std::string ip = from.address().to_string();
  if (!hooks_.allowed(ip)) return;
  const std::int64_t second = hooks_.now_ms() / 1000;
  if (second != second_) {
    second_ = second;
    replies_this_second_ = 0;
  }
  if (replies_this_second_ >= kMaxRepliesPerSecond) return;
  auto reply = probe_match(
      datagram, hooks_.facts, [&] { return hooks_.xaddr(local_address_toward(from)); },
      new_message_id);
  if (!reply) return;
  ++replies_this_second_;
  boost::system::error_code ec;
  socket_.send_to(boost::asio::buffer(*reply), from, 0, ec);
}

}  // namespace vto::onvif
