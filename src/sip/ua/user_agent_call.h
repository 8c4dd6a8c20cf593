// A call of the user agent, its dialog and transactions; shared by user_agent.cpp (outgoing
// calls, registration) and user_agent_incoming.cpp (incoming calls, in-dialog requests).
// Not for other code: include user_agent.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/ua/user_agent.h"

namespace vto::sip {

inline constexpr std::string_view kUaAllow = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, MESSAGE";

struct UserAgent::Call {
  enum class State { Calling, Early, Incoming, Established, Ended };
  CallHandle id = 0;
  bool outgoing = false;
  State state = State::Calling;
  std::string call_id, local_tag, remote_tag;
  std::string local_uri, remote_uri, remote_target;
  std::vector<std::string> route_set;  // in the order requests carry them
  std::uint32_t local_cseq = 0;
  std::uint32_t remote_cseq = 0;
  // outgoing
  TxId invite_tx = 0;
  std::optional<Message> invite;  // as last sent: CANCEL and ACK are built from it
  int auth_attempts = 0;
  bool hangup_requested = false;
  bool cancel_sent = false;
  // incoming
  TxId server_tx = 0;
  Peer source;
  std::optional<Message> ok;  // our 2xx, retransmitted until the ACK comes
  Peer ok_to;
  core::Timers::Id ok_timer = 0;
  core::Duration ok_interval{0};
  core::Duration ok_elapsed{0};
  // Hung up here before the caller's ACK: the BYE waits for it (RFC 3261 §15), so that
  // the caller hears of the answer before the end. The application has heard of the end.
  bool bye_after_ack = false;
  core::Timers::Id bye_timer = 0;
  std::string remote_sdp;
};

}  // namespace vto::sip
