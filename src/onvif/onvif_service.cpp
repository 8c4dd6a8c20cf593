#include "onvif/onvif_service.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>

#include "core/authority.h"
#include "core/log.h"
#include "core/text.h"
#include "core/unix_clock.h"

namespace vto::onvif {

namespace {

constexpr std::size_t kMaxRefusalsPerMinute = 30;  // audited; then only logged

web::HttpResponse soap(int status, std::string body) {
  web::HttpResponse r;
  r.status = status;
  r.content_type = "application/soap+xml; charset=utf-8";
  r.body = std::move(body);
  return r;
}

web::HttpResponse ok(const std::string& body) {
  return soap(200, envelope(body));
}

std::string tag(std::string_view name, std::string_view text) {
  return "<" + std::string(name) + ">" + xml_escape(text) + "</" + std::string(name) + ">";
}

std::string date_time(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return "<tt:Time><tt:Hour>" + std::to_string(tm.tm_hour) + "</tt:Hour><tt:Minute>" +
         std::to_string(tm.tm_min) + "</tt:Minute><tt:Second>" + std::to_string(tm.tm_sec) +
         "</tt:Second></tt:Time><tt:Date><tt:Year>" + std::to_string(tm.tm_year + 1900) +
         "</tt:Year><tt:Month>" + std::to_string(tm.tm_mon + 1) + "</tt:Month><tt:Day>" +
         std::to_string(tm.tm_mday) + "</tt:Day></tt:Date>";
}

// The two profiles: the main stream and the sub-stream.
struct Profile {
  const char* token;
  const char* name;
  const char* encoder;
  int width, height, kbps, subtype;
};

std::vector<Profile> profiles(const StreamFacts& s) {
  return {{"main", "MainStream", "main_encoder", s.main_width, s.main_height, s.main_kbps, 0},
          {"sub", "SubStream", "sub_encoder", s.sub_width, s.sub_height, s.sub_kbps, 1}};
}

std::string video_source_configuration(const StreamFacts& s) {
  return "<tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>2</tt:UseCount>"
         "<tt:SourceToken>video_source</tt:SourceToken><tt:Bounds x=\"0\" y=\"0\" width=\"" +
         std::to_string(s.main_width) + "\" height=\"" + std::to_string(s.main_height) + "\"/>";
}

std::string video_encoder_configuration(const Profile& p, const StreamFacts& s) {
  return "<tt:Name>" + std::string(p.name) +
         "</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding>"
         "<tt:Resolution><tt:Width>" +
         std::to_string(p.width) + "</tt:Width><tt:Height>" + std::to_string(p.height) +
         "</tt:Height></tt:Resolution><tt:Quality>4</tt:Quality><tt:RateControl>"
         "<tt:FrameRateLimit>" +
         std::to_string(s.fps) +
         "</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>"
         "<tt:BitrateLimit>" +
         std::to_string(p.kbps) + "</tt:BitrateLimit></tt:RateControl><tt:H264><tt:GovLength>" +
         std::to_string(2 * s.fps) +
         "</tt:GovLength><tt:H264Profile>Baseline</tt:H264Profile></tt:H264>"
         "<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address>"
         "</tt:Address><tt:Port>0</tt:Port><tt:TTL>0</tt:TTL><tt:AutoStart>false</tt:AutoStart>"
         "</tt:Multicast><tt:SessionTimeout>PT60S</tt:SessionTimeout>";
}

std::string audio_parts() {
  return "<tt:AudioSourceConfiguration token=\"audio_source_config\"><tt:Name>AudioSourceConfig"
         "</tt:Name><tt:UseCount>2</tt:UseCount><tt:SourceToken>audio_source</tt:SourceToken>"
         "</tt:AudioSourceConfiguration>"
         "<tt:AudioEncoderConfiguration token=\"audio_encoder\"><tt:Name>G711</tt:Name>"
         "<tt:UseCount>2</tt:UseCount><tt:Encoding>G711</tt:Encoding><tt:Bitrate>64</tt:Bitrate>"
         "<tt:SampleRate>8</tt:SampleRate><tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type>"
         "<tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>0</tt:Port><tt:TTL>0"
         "</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast><tt:SessionTimeout>PT60S"
         "</tt:SessionTimeout></tt:AudioEncoderConfiguration>";
}

// One profile; the start tag on one line with token="..." (go2rtc reads it with a regex).
std::string profile_xml(const char* element, const Profile& p, const StreamFacts& s) {
  return "<" + std::string(element) + " token=\"" + p.token + "\" fixed=\"true\"><tt:Name>" +
         p.name + "</tt:Name><tt:VideoSourceConfiguration token=\"video_source_config\">" +
         video_source_configuration(s) + "</tt:VideoSourceConfiguration>" + audio_parts() +
         "<tt:VideoEncoderConfiguration token=\"" + p.encoder + "\">" +
         video_encoder_configuration(p, s) + "</tt:VideoEncoderConfiguration></" + element + ">";
}

bool hostname_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == ':';
}

}  // namespace

std::pair<std::string, std::uint16_t> split_host(std::string_view h) {
  auto a = core::split_authority(h);
  if (!a) return {"", 0};
  return {a->host, a->port.value_or(0)};
}

OnvifService::OnvifService(api::ViewerAuth& auth, Hooks hooks)
    : auth_(auth), hooks_(std::move(hooks)) {}

void OnvifService::add_routes(web::HttpServer& http) {
  http.route("POST", "/onvif/*", [this](const web::HttpRequest& req) { return handle(req); });
}

web::HttpResponse OnvifService::refuse(const web::HttpRequest& req, const std::string& user,
                                       std::string_view subcode, const std::string& why,
                                       bool audit) {
  if (audit) {
    const std::int64_t now = hooks_.now_ms();
    if (now - refusal_window_ms_ > 60'000) {
      refusal_window_ms_ = now;
      refusals_in_window_ = 0;
    }
    if (++refusals_in_window_ <= kMaxRefusalsPerMinute) {
      hooks_.audit(user, req.remote_ip, "onvif_refused", why);
    } else {
      core::logger("onvif")->warn("ONVIF request from {} refused: {}", req.remote_ip, why);
    }
  }
  return soap(400, fault("Sender", subcode, why));
}

web::HttpResponse OnvifService::handle(const web::HttpRequest& req) {
  if (!hooks_.enabled()) return web::json_error(404, "not found");
  if (!hooks_.allowed(req.remote_ip)) return web::json_error(403, "not allowed from this address");
  auto parsed = SoapRequest::parse(req.body);
  if (!parsed) return refuse(req, "", "ter:WellFormed", parsed.error().message);
  const SoapRequest& r = *parsed;

  auto [host, port] = split_host(req.header("host"));
  if (host.empty() || !std::ranges::all_of(host, hostname_char)) {
    const DeviceFacts d = hooks_.device();
    host = d.ip.empty() ? "127.0.0.1" : d.ip;
  }
  const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  const std::string base = std::string(req.secure ? "https://" : "http://") + shown_host +
                           (port ? ":" + std::to_string(port) : std::string());

  // The time is told to anyone: clients set their tokens' Created by it.
  if (r.ns() == kDeviceNs && r.operation() == "GetSystemDateAndTime")
    return answer(r, Caller{}, base, shown_host, req);

  if (!r.token() || r.token()->username.empty())
    return refuse(req, "", "ter:NotAuthorized", "Sender not Authorized: no UsernameToken");
  const UsernameToken& t = *r.token();
  const std::string user = core::printable(t.username, 64);
  if (t.password_type != kPasswordDigest)
    return refuse(req, user, "ter:NotAuthorized",
                  "Sender not Authorized: only PasswordDigest is accepted");
  const auto created = parse_created_ms(t.created);
  if (!created || t.nonce.size() < 8)
    return refuse(req, user, "ter:NotAuthorized", "Sender not Authorized: bad Created or Nonce");
  // The digest first (wrong ones count as failed logins), then freshness: only nonces of
  // right answers are remembered.
  const auto verdict =
      auth_.check_password_digest(t.username, t.nonce, t.created, t.password, req.remote_ip);
  if (verdict.kind != api::ViewerVerdict::Kind::Ok)
    return refuse(req, user, "ter:NotAuthorized", "Sender not Authorized", false);
  switch (nonces_.check(t.nonce, *created, hooks_.now_ms())) {
    case NonceCache::Verdict::Fresh:
      break;
    case NonceCache::Verdict::Stale:
      return refuse(req, user, "ter:NotAuthorized",
                    "Sender not Authorized: Created is not within 5 minutes of the device's "
                    "clock (" +
                        core::utc_text(hooks_.now_ms()) + ")");
    case NonceCache::Verdict::Replay:
      return refuse(req, user, "ter:NotAuthorized",
                    "Sender not Authorized: the nonce was used before (a replay)");
  }
  return answer(r, Caller{verdict.user, verdict.role}, base, shown_host, req);
}

web::HttpResponse OnvifService::answer(const SoapRequest& r, const Caller& who,
                                       const std::string& base, const std::string& host,
                                       const web::HttpRequest& req) {
  const std::string& op = r.operation();
  const std::string device_url = base + "/onvif/device_service";
  const std::string media_url = base + "/onvif/media_service";
  if (r.ns() == kDeviceNs) {
    if (op == "GetSystemDateAndTime") {
      const DeviceFacts d = hooks_.device();
      return ok("<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>" +
                std::string(d.ntp ? "NTP" : "Manual") +
                "</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone>" +
                tag("tt:TZ", d.time_zone) + "</tt:TimeZone><tt:UTCDateTime>" +
                date_time(hooks_.now_ms()) +
                "</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>");
    }
    if (op == "GetCapabilities") {
      return ok(
          "<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Device>" +
          tag("tt:XAddr", device_url) +
          "<tt:Network><tt:IPFilter>false</tt:IPFilter><tt:ZeroConfiguration>false"
          "</tt:ZeroConfiguration><tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS>"
          "</tt:Network><tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve>"
          "<tt:DiscoveryBye>true</tt:DiscoveryBye><tt:RemoteDiscovery>false</tt:RemoteDiscovery>"
          "<tt:SystemBackup>false</tt:SystemBackup><tt:SystemLogging>false</tt:SystemLogging>"
          "<tt:FirmwareUpgrade>false</tt:FirmwareUpgrade><tt:SupportedVersions><tt:Major>2"
          "</tt:Major><tt:Minor>40</tt:Minor></tt:SupportedVersions></tt:System><tt:Security>"
          "<tt:TLS1.1>false</tt:TLS1.1><tt:TLS1.2>true</tt:TLS1.2><tt:OnboardKeyGeneration>false"
          "</tt:OnboardKeyGeneration><tt:AccessPolicyConfig>false</tt:AccessPolicyConfig>"
          "<tt:X.509Token>false</tt:X.509Token><tt:SAMLToken>false</tt:SAMLToken>"
          "<tt:KerberosToken>false</tt:KerberosToken><tt:RELToken>false</tt:RELToken>"
          "</tt:Security></tt:Device><tt:Media>" +
          tag("tt:XAddr", media_url) +
          "<tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true"
          "</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities>"
          "</tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>");
    }
    if (op == "GetServices") {
      const bool caps = r.param("IncludeCapability") == "true";
      const auto service = [&](std::string_view ns, const std::string& url, std::string_view c) {
        return "<tds:Service>" + tag("tds:Namespace", ns) + tag("tds:XAddr", url) +
               (caps ? "<tds:Capabilities>" + std::string(c) + "</tds:Capabilities>" : "") +
               "<tds:Version><tt:Major>2</tt:Major><tt:Minor>40</tt:Minor></tds:Version>"
               "</tds:Service>";
      };
      return ok("<tds:GetServicesResponse>" +
                service(kDeviceNs, device_url,
                        "<tds:Capabilities><tds:Network IPFilter=\"false\" "
                        "ZeroConfiguration=\"false\" IPVersion6=\"false\" DynDNS=\"false\"/>"
                        "<tds:Security UsernameToken=\"true\"/><tds:System DiscoveryBye=\"true\" "
                        "SystemLogging=\"false\" FirmwareUpgrade=\"false\"/></tds:Capabilities>") +
                service(kMediaNs, media_url,
                        "<trt:Capabilities SnapshotUri=\"true\"><trt:ProfileCapabilities "
                        "MaximumNumberOfProfiles=\"2\"/><trt:StreamingCapabilities "
                        "RTP_TCP=\"true\" RTP_RTSP_TCP=\"true\"/></trt:Capabilities>") +
                "</tds:GetServicesResponse>");
    }
    if (op == "GetServiceCapabilities") {
      return ok(
          "<tds:GetServiceCapabilitiesResponse><tds:Capabilities><tds:Network IPFilter=\"false\" "
          "ZeroConfiguration=\"false\" IPVersion6=\"false\" DynDNS=\"false\"/><tds:Security "
          "UsernameToken=\"true\"/><tds:System DiscoveryBye=\"true\" SystemLogging=\"false\" "
          "FirmwareUpgrade=\"false\"/></tds:Capabilities></tds:GetServiceCapabilitiesResponse>");
    }
    if (op == "GetDeviceInformation") {
      const DeviceFacts d = hooks_.device();
      return ok("<tds:GetDeviceInformationResponse>" + tag("tds:Manufacturer", d.manufacturer) +
                tag("tds:Model", d.model) + tag("tds:FirmwareVersion", d.firmware) +
                tag("tds:SerialNumber", d.serial) + tag("tds:HardwareId", d.hardware) +
                "</tds:GetDeviceInformationResponse>");
    }
    if (op == "GetScopes") {
      const DeviceFacts d = hooks_.device();
      std::string scopes;
      for (const auto& s : std::vector<std::string>{"onvif://www.onvif.org/Profile/Streaming",
                                                    "onvif://www.onvif.org/type/video_encoder",
                                                    "onvif://www.onvif.org/type/audio_encoder",
                                                    "onvif://www.onvif.org/location/door",
                                                    "onvif://www.onvif.org/name/" + d.name,
                                                    "onvif://www.onvif.org/hardware/" + d.hardware,
                                                    "onvif://www.onvif.org/mac/" + d.mac})
        scopes += "<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef>" + tag("tt:ScopeItem", s) +
                  "</tds:Scopes>";
      return ok("<tds:GetScopesResponse>" + scopes + "</tds:GetScopesResponse>");
    }
    if (op == "GetHostname") {
      const DeviceFacts d = hooks_.device();
      return ok(
          "<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false"
          "</tt:FromDHCP>" +
          tag("tt:Name", d.hostname) + "</tds:HostnameInformation></tds:GetHostnameResponse>");
    }
    if (op == "GetNetworkInterfaces") {
      const DeviceFacts d = hooks_.device();
      const std::string ip = d.ip.empty() ? host : d.ip;
      return ok(
          "<tds:GetNetworkInterfacesResponse><tds:NetworkInterfaces token=\"eth0\">"
          "<tt:Enabled>true</tt:Enabled><tt:Info><tt:Name>eth0</tt:Name>" +
          tag("tt:HwAddress", d.mac) +
          "<tt:MTU>1500</tt:MTU></tt:Info><tt:IPv4><tt:Enabled>true</tt:Enabled>"
          "<tt:Config>" +
          (d.dhcp ? std::string()
                  : "<tt:Manual>" + tag("tt:Address", ip) + "<tt:PrefixLength>" +
                        std::to_string(d.prefix_length) + "</tt:PrefixLength></tt:Manual>") +
          "<tt:DHCP>" + (d.dhcp ? "true" : "false") +
          "</tt:DHCP></tt:Config></tt:IPv4></tds:NetworkInterfaces>"
          "</tds:GetNetworkInterfacesResponse>");
    }
    if (op == "GetDNS") {
      const DeviceFacts d = hooks_.device();
      std::string servers;
      for (const auto& s : d.dns)
        servers +=
            "<tt:DNSManual><tt:Type>IPv4</tt:Type>" + tag("tt:IPv4Address", s) + "</tt:DNSManual>";
      return ok("<tds:GetDNSResponse><tds:DNSInformation><tt:FromDHCP>" +
                std::string(d.dhcp ? "true" : "false") + "</tt:FromDHCP>" + servers +
                "</tds:DNSInformation></tds:GetDNSResponse>");
    }
    if (op == "GetNTP") {
      const DeviceFacts d = hooks_.device();
      std::string servers;
      for (const auto& s : d.ntp_servers)
        servers +=
            "<tt:NTPManual><tt:Type>DNS</tt:Type>" + tag("tt:DNSname", s) + "</tt:NTPManual>";
      return ok("<tds:GetNTPResponse><tds:NTPInformation><tt:FromDHCP>false</tt:FromDHCP>" +
                servers + "</tds:NTPInformation></tds:GetNTPResponse>");
    }
    if (op == "GetNetworkProtocols") {
      const auto [unused, request_port] = split_host(req.header("host"));
      const StreamFacts s = hooks_.streams();
      const auto protocol = [](std::string_view name, bool on, std::uint16_t p) {
        return "<tds:NetworkProtocols>" + tag("tt:Name", name) + "<tt:Enabled>" +
               (on ? "true" : "false") + "</tt:Enabled><tt:Port>" + std::to_string(p) +
               "</tt:Port></tds:NetworkProtocols>";
      };
      const std::uint16_t web_port = request_port ? request_port : (req.secure ? 443 : 80);
      return ok("<tds:GetNetworkProtocolsResponse>" +
                protocol(req.secure ? "HTTPS" : "HTTP", true, web_port) +
                protocol("RTSP", s.rtsp_port != 0, s.rtsp_port) +
                "</tds:GetNetworkProtocolsResponse>");
    }
    if (op == "GetDiscoveryMode") {
      return ok(
          "<tds:GetDiscoveryModeResponse><tds:DiscoveryMode>Discoverable"
          "</tds:DiscoveryMode></tds:GetDiscoveryModeResponse>");
    }
    if (op == "SystemReboot") {
      if (who.role != store::Role::Admin)
        return refuse(req, who.user, "ter:NotAuthorized",
                      "Sender not Authorized: SystemReboot needs an admin");
      hooks_.audit(who.user, req.remote_ip, "restart", "restart asked over ONVIF");
      hooks_.reboot(who.user);
      return ok(
          "<tds:SystemRebootResponse><tds:Message>Restarting</tds:Message>"
          "</tds:SystemRebootResponse>");
    }
  }
  if (r.ns() == kMediaNs) {
    const StreamFacts s = hooks_.streams();
    const auto all = profiles(s);
    const auto find_profile = [&](const std::string& token) -> const Profile* {
      for (const auto& p : all)
        if (token == p.token) return &p;
      return nullptr;
    };
    if (op == "GetServiceCapabilities") {
      return ok(
          "<trt:GetServiceCapabilitiesResponse><trt:Capabilities SnapshotUri=\"true\" "
          "Rotation=\"false\" VideoSourceMode=\"false\" OSD=\"false\">"
          "<trt:ProfileCapabilities MaximumNumberOfProfiles=\"2\"/><trt:StreamingCapabilities "
          "RTPMulticast=\"false\" RTP_TCP=\"true\" RTP_RTSP_TCP=\"true\"/></trt:Capabilities>"
          "</trt:GetServiceCapabilitiesResponse>");
    }
    if (op == "GetProfiles") {
      std::string body = "<trt:GetProfilesResponse>";
      for (const auto& p : all) body += "\n" + profile_xml("trt:Profiles", p, s);
      return ok(body + "</trt:GetProfilesResponse>");
    }
    if (op == "GetProfile") {
      const Profile* p = find_profile(r.param("ProfileToken"));
      if (!p) return soap(400, fault("Sender", "ter:InvalidArgVal", "no such profile"));
      return ok("<trt:GetProfileResponse>" + profile_xml("trt:Profile", *p, s) +
                "</trt:GetProfileResponse>");
    }
    if (op == "GetVideoSources") {
      return ok(
          "<trt:GetVideoSourcesResponse><trt:VideoSources token=\"video_source\">"
          "<tt:Framerate>" +
          std::to_string(s.fps) + "</tt:Framerate><tt:Resolution><tt:Width>" +
          std::to_string(s.main_width) + "</tt:Width><tt:Height>" + std::to_string(s.main_height) +
          "</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>");
    }
    if (op == "GetVideoSourceConfigurations") {
      return ok(
          "<trt:GetVideoSourceConfigurationsResponse><trt:Configurations "
          "token=\"video_source_config\">" +
          video_source_configuration(s) +
          "</trt:Configurations></trt:GetVideoSourceConfigurationsResponse>");
    }
    if (op == "GetVideoEncoderConfigurations") {
      std::string body = "<trt:GetVideoEncoderConfigurationsResponse>";
      for (const auto& p : all)
        body += "<trt:Configurations token=\"" + std::string(p.encoder) + "\">" +
                video_encoder_configuration(p, s) + "</trt:Configurations>";
      return ok(body + "</trt:GetVideoEncoderConfigurationsResponse>");
    }
    if (op == "GetVideoEncoderConfiguration") {
      const std::string token = r.param("ConfigurationToken");
      for (const auto& p : all)
        if (token == p.encoder)
          return ok("<trt:GetVideoEncoderConfigurationResponse><trt:Configuration token=\"" +
                    std::string(p.encoder) + "\">" + video_encoder_configuration(p, s) +
                    "</trt:Configuration></trt:GetVideoEncoderConfigurationResponse>");
      return soap(400, fault("Sender", "ter:InvalidArgVal", "no such configuration"));
    }
    if (op == "GetAudioSources") {
      return ok(
          "<trt:GetAudioSourcesResponse><trt:AudioSources token=\"audio_source\">"
          "<tt:Channels>1</tt:Channels></trt:AudioSources></trt:GetAudioSourcesResponse>");
    }
    if (op == "GetStreamUri" || op == "GetSnapshotUri") {
      if (!auth_.may_watch(who.role))
        return refuse(req, who.user, "ter:NotAuthorized",
                      "Sender not Authorized: this account may not watch the door");
      const Profile* p = find_profile(r.param("ProfileToken"));
      if (!p) return soap(400, fault("Sender", "ter:InvalidArgVal", "no such profile"));
      std::string uri;
      if (op == "GetStreamUri") {
        const std::string protocol = r.find("Protocol");
        if (!protocol.empty() && protocol != "RTSP" && protocol != "TCP" && protocol != "UDP")
          return soap(400, fault("Sender", "ter:InvalidArgVal", "only RTSP is offered"));
        if (s.rtsp_port == 0)
          return soap(500, fault("Receiver", "ter:ActionNotSupported", "RTSP is off"));
        uri = "rtsp://" + host + ":" + std::to_string(s.rtsp_port) +
              "/cam/realmonitor?channel=1&subtype=" + std::to_string(p->subtype);
      } else {
        uri = base + "/cgi-bin/snapshot.cgi?channel=1";
      }
      return ok("<trt:" + op + "Response><trt:MediaUri>" + tag("tt:Uri", uri) +
                "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>"
                "false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:" +
                op + "Response>");
    }
  }
  return soap(
      400, fault("Receiver", "ter:ActionNotSupported", "not offered: " + core::printable(op, 64)));
}

}  // namespace vto::onvif
