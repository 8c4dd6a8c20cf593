// Every answer the registrar gives but its challenges, in one table (as Kamailio's
// registrar reply.c): the status and reason phrase of each outcome.
#pragma once

#include <string_view>

#include "sip/message/message.h"

namespace vto::sip {

enum class RegReply {
  Ok,
  Forbidden,  // unknown user or wrong password: the same answer for both
  BadFrom,
  BadProxyAuthorization,
  BadTo,
  NoUser,
  BadAuthorization,
  BadContact,
  BadCSeq,
  StarNotAlone,  // Contact: * with other contacts or a non-zero Expires
  OutOfOrder,    // a CSeq not above the binding's of the same Call-ID
  BadExpires,
  IntervalTooBrief,
  BadQ,
  TooManyContacts,
  TooManyExtensions,
};

struct RegReplyText {
  int status;
  std::string_view reason;
};
RegReplyText reg_reply_text(RegReply reply);

// The response to `request` for `reply`, with `to_tag` when not empty.
Message reg_reply(const Message& request, RegReply reply, std::string_view to_tag = {});

}  // namespace vto::sip
