#include "app/sip_server_switch.h"

#include "core/log.h"

namespace vto::app {

SipServerSwitch::SipServerSwitch(Parts parts, api::SipServerSettings setting, OwnNumber number,
                                 OwnServer own)
    : parts_(parts),
      setting_(std::move(setting)),
      number_(std::move(number)),
      own_(std::move(own)),
      failover_(parts.timers, parts.ua, [this](bool alternate) { use(alternate); }) {}

SipServerSwitch::~SipServerSwitch() = default;

sip::UaConfig SipServerSwitch::ua_config(bool alternate) const {
  sip::UaConfig c;
  c.user_agent = "OpenVTO-vtod/0.1";
  if (serving()) {
    c.user = number_();
    c.domain = "VDP";
    c.server = own_();
    c.local_server = true;
    return c;
  }
  // Registered to another server over TCP or TLS: calls come back over that connection,
  // the proof of who sends them; others must answer this account's challenge.
  const api::SipServerSettings& st = setting_;
  c.user = alternate ? st.alternate_user : st.user;
  c.password = alternate ? st.alternate_password : st.password;
  c.domain = st.domain;
  c.server = sip::Peer{st.transport == "tls" ? sip::Transport::Tls : sip::Transport::Tcp,
                       alternate ? st.alternate_ip : st.server_ip, st.server_port, 0};
  c.authenticate_callers = true;
  if (st.mode == api::SipServerMode::Platform) {
    c.keepalive = kKeepalive;
    c.keepalive_timeout = kKeepaliveTimeout;
  }
  return c;
}

void SipServerSwitch::use(bool alternate) {
  failover_.stop();
  std::vector<std::string> trusted;
  if (!serving()) {
    for (const auto& ip : {setting_.server_ip, setting_.alternate_ip})
      if (!ip.empty()) trusted.push_back(ip);
  }
  parts_.guard.set_trusted(std::move(trusted));
  parts_.ua.reconfigure(ua_config(alternate));
  if (serving()) {
    parts_.transactions.set_user(&parts_.server);
    parts_.server.set_local_user(&parts_.ua);
    return;
  }
  parts_.transactions.set_user(&parts_.ua);
  if (setting_.mode == api::SipServerMode::Platform && !setting_.alternate_ip.empty())
    failover_.moved(alternate, ua_config(false).server);
  parts_.ua.start_registration();
}

void SipServerSwitch::change(const api::SipServerSettings& setting) {
  if (!serving()) parts_.ua.unregister();
  setting_ = setting;
  use(false);
}

void SipServerSwitch::on_ua_event(const sip::UaEvent& e) {
  if (!serving()) failover_.on_ua_event(e);
}

}  // namespace vto::app
