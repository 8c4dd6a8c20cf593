#include "sip/registrar/reply.h"

namespace vto::sip {

RegReplyText reg_reply_text(RegReply reply) {
  switch (reply) {
    case RegReply::Ok:
      return {200, "OK"};
    case RegReply::Forbidden:
      return {403, "Forbidden"};
    case RegReply::BadFrom:
      return {400, "Bad From header"};
    case RegReply::BadProxyAuthorization:
      return {400, "Bad Proxy-Authorization header"};
    case RegReply::BadTo:
      return {400, "Bad To header"};
    case RegReply::NoUser:
      return {400, "No user in To"};
    case RegReply::BadAuthorization:
      return {400, "Bad Authorization header"};
    case RegReply::BadContact:
      return {400, "Bad Contact header"};
    case RegReply::BadCSeq:
      return {400, "Bad CSeq"};
    case RegReply::StarNotAlone:
      return {400, "Contact * needs Expires 0 and no other contact"};
    case RegReply::OutOfOrder:
      return {400, "Out of order CSeq"};
    case RegReply::BadExpires:
      return {400, "Bad expires parameter"};
    case RegReply::IntervalTooBrief:
      return {423, "Interval Too Brief"};
    case RegReply::BadQ:
      return {400, "Bad q parameter"};
    case RegReply::TooManyContacts:
      return {403, "Too many contacts"};
    case RegReply::TooManyExtensions:
      return {403, "Too many extensions for this room"};
  }
  return {500, "Server Internal Error"};
}

Message reg_reply(const Message& request, RegReply reply, std::string_view to_tag) {
  const RegReplyText text = reg_reply_text(reply);
  return make_response(request, text.status, text.reason, to_tag);
}

}  // namespace vto::sip
