#include "sip/ua/user_agent.h"

#include "core/log.h"
#include "sip/ua/user_agent_call.h"

namespace vto::sip {

// ------------------------------------------------------------------ incoming calls

void UserAgent::on_request(TxId tx, Message&& request, const Peer& from) {
  const std::string_view method = request.method();
  if (method == "CANCEL") {
    auto invite_tx = tl_.find_invite(request);
    for (auto& [id, call] : calls_) {
      if (invite_tx && call->server_tx == *invite_tx && call->state == Call::State::Incoming &&
          call->source.ip == from.ip) {  // only the caller cancels its call
        tl_.respond(tx, 200, "OK");
        tl_.respond(call->server_tx, 487, "Request Terminated", call->local_tag);
        std::string reason(request.header(HeaderId::Reason).value_or(""));
        emit({UaEvent::Type::Cancelled, id, 487, call->remote_uri, reason, {}, {}});
        end_call(id);
        return;
      }
    }
    tl_.respond(tx, 481, "Call/Transaction Does Not Exist");
    return;
  }
  auto to = request.to();
  if (to && !to->tag().empty()) {
    if (Call* call = find_by_dialog(request)) {
      handle_in_dialog(tx, std::move(request), *call, from);
    } else if (method == "OPTIONS") {
      tl_.respond(tx, 200, "OK");
    } else {
      tl_.respond(tx, 481, "Call/Transaction Does Not Exist");
    }
    return;
  }
  if (method == "OPTIONS") {
    Message r = make_response(request, 200, "OK", tl_.new_tag());
    r.add_header(HeaderId::Allow, std::string(kUaAllow));
    tl_.respond(tx, std::move(r));
    return;
  }
  if (method == "INVITE" || method == "MESSAGE") {
    if (auto refused = check_caller(request, from)) {
      tl_.respond(tx, std::move(*refused));
      return;
    }
  }
  if (method == "MESSAGE") {
    tl_.respond(tx, 200, "OK", tl_.new_tag());
    emit({UaEvent::Type::Message,
          0,
          0,
          std::string(request.from() ? request.from()->uri.text() : ""),
          {},
          std::string(request.body()),
          std::string(request.header(HeaderId::ContentType).value_or(""))});
    return;
  }
  if (method != "INVITE") {
    Message r = make_response(request, 405, "Method Not Allowed", tl_.new_tag());
    r.add_header(HeaderId::Allow, std::string(kUaAllow));
    tl_.respond(tx, std::move(r));
    return;
  }
  auto call = std::make_unique<Call>();
  call->id = next_call_++;
  call->state = Call::State::Incoming;
  call->server_tx = tx;
  call->source = from;
  call->call_id = std::string(request.call_id());
  call->local_tag = tl_.new_tag();
  auto from_hdr = request.from();
  if (!from_hdr) {
    tl_.respond(tx, 400, "Bad From");
    return;
  }
  call->remote_tag = std::string(from_hdr->tag());
  call->remote_uri = std::string(from_hdr->uri.text());
  call->local_uri = to ? std::string(to->uri.text()) : aor_uri();
  if (auto contacts = request.contacts(); contacts && !contacts->contacts.empty()) {
    call->remote_target = std::string(contacts->contacts.front().uri.text());
  } else {
    call->remote_target = call->remote_uri;
  }
  for (auto rr : request.header_values(HeaderId::RecordRoute)) call->route_set.emplace_back(rr);
  call->remote_cseq = request.cseq() ? request.cseq()->number : 0;
  call->remote_sdp = std::string(request.body());
  Message ringing = make_response(request, 180, "Ringing", call->local_tag);
  ringing.add_header(HeaderId::Contact, "<" + contact_uri() + ">");
  for (auto rr : request.header_values(HeaderId::RecordRoute))
    ringing.add_header(HeaderId::RecordRoute, std::string(rr));
  const CallHandle id = call->id;
  UaEvent event{UaEvent::Type::IncomingCall,
                id,
                0,
                call->remote_uri,
                {},
                call->remote_sdp,
                "application/sdp"};
  calls_.emplace(id, std::move(call));
  tl_.respond(tx, std::move(ringing));
  emit(std::move(event));
}

Result<void> UserAgent::answer(CallHandle id) {
  Call* call = find(id);
  if (!call || call->state != Call::State::Incoming)
    return make_error("no ringing call " + std::to_string(id));
  const Message* request = tl_.request(call->server_tx);
  if (!request) return make_error("the call is gone");
  Message ok = make_response(*request, 200, "OK", call->local_tag);
  ok.add_header(HeaderId::Contact, "<" + contact_uri() + ">");
  for (auto rr : request->header_values(HeaderId::RecordRoute))
    ok.add_header(HeaderId::RecordRoute, std::string(rr));
  ok.add_header(HeaderId::Allow, std::string(kUaAllow));
  if (sdp_) {
    const bool keys_allowed = call->source.transport == Transport::Tls;
    ok.set_body(sdp_(id, call->remote_sdp, keys_allowed), "application/sdp");
  }
  auto dest = response_destination(ok, call->source);
  if (!dest) return make_error(dest.error().message);
  call->ok_to = *dest;
  call->ok = ok.clone();
  call->state = Call::State::Established;
  tl_.respond(call->server_tx, std::move(ok));
  // RFC 3261 §13.3.1.4: the UA core, not the transaction, retransmits its 2xx until the ACK.
  if (!tl_.transport().reliable(call->source.transport)) {
    call->ok_interval = tl_.timer_config().t1;
    call->ok_timer = tl_.timers().start(call->ok_interval, [this, id] { retransmit_ok(id); });
  }
  emit({UaEvent::Type::Answered,
        id,
        200,
        call->remote_uri,
        {},
        call->remote_sdp,
        "application/sdp"});
  return {};
}

void UserAgent::retransmit_ok(CallHandle id) {
  Call* call = find(id);
  if (!call || !call->ok) return;
  call->ok_elapsed += call->ok_interval;
  if (call->ok_elapsed >= 64 * tl_.timer_config().t1) {
    // No ACK: the dialog is confirmed and then ended at once (§13.3.1.4).
    call->ok.reset();
    if (call->bye_after_ack) return send_deferred_bye(id);
    emit({UaEvent::Type::Error, id, 408, call->remote_uri, "no ACK for 200 OK", {}, {}});
    (void)hangup(id);
    return;
  }
  (void)tl_.send_stateless(*call->ok, call->ok_to);
  call->ok_interval = std::min(2 * call->ok_interval, tl_.timer_config().t2);
  call->ok_timer = tl_.timers().start(call->ok_interval, [this, id] { retransmit_ok(id); });
}

Result<void> UserAgent::reject(CallHandle id, int status) {
  Call* call = find(id);
  if (!call || call->state != Call::State::Incoming)
    return make_error("no ringing call " + std::to_string(id));
  tl_.respond(call->server_tx, status, reason_phrase(status), call->local_tag);
  end_call(id);
  return {};
}

Result<void> UserAgent::hangup(CallHandle id) {
  Call* call = find(id);
  if (!call) return make_error("no call " + std::to_string(id));
  switch (call->state) {
    case Call::State::Incoming:
      return reject(id, 603);
    case Call::State::Calling:
    case Call::State::Early:
      call->hangup_requested = true;
      if (call->state == Call::State::Early && !call->cancel_sent) {
        call->cancel_sent = true;
        tl_.send_request(make_cancel(*call->invite), config_.server, [](const Message&) {});
      }
      return {};
    case Call::State::Established: {
      if (call->ok) {
        // The caller has not acknowledged our 200 yet: it may not even have it. Its ACK
        // (or the end of our retransmissions) sends the BYE.
        call->bye_after_ack = true;
        call->state = Call::State::Ended;
        if (!call->ok_timer) {  // reliable transport: no retransmissions to end
          call->bye_timer =
              tl_.timers().start(64 * tl_.timer_config().t1, [this, id] { send_deferred_bye(id); });
        }
        emit({UaEvent::Type::Bye, id, 0, call->remote_uri, "local hangup", {}, {}});
        return {};
      }
      Message bye = in_dialog_request(*call, "BYE");
      tl_.send_request(std::move(bye), dialog_next_hop(*call), [](const Message&) {});
      emit({UaEvent::Type::Bye, id, 0, call->remote_uri, "local hangup", {}, {}});
      end_call(id);
      return {};
    }
    case Call::State::Ended:
      break;
  }
  return {};
}

Result<void> UserAgent::send_info(CallHandle id, const std::string& content_type,
                                  const std::string& body) {
  Call* call = find(id);
  if (!call || call->state != Call::State::Established)
    return make_error("no established call " + std::to_string(id));
  Message info = in_dialog_request(*call, "INFO");
  info.set_body(body, content_type);
  tl_.send_request(std::move(info), dialog_next_hop(*call), [](const Message&) {});
  return {};
}

void UserAgent::handle_in_dialog(TxId tx, Message&& request, Call& call, const Peer& from) {
  const std::string_view method = request.method();
  const CallHandle id = call.id;
  if (auto cseq = request.cseq()) call.remote_cseq = std::max(call.remote_cseq, cseq->number);
  if (call.bye_after_ack) {
    // Ended here, its BYE waiting for the ACK: the application has heard of the end.
    if (method != "BYE") return tl_.respond(tx, 481, "Call/Transaction Does Not Exist");
    tl_.respond(tx, 200, "OK");
    return end_call(id);
  }
  if (method == "BYE") {
    tl_.respond(tx, 200, "OK");
    emit({UaEvent::Type::Bye,
          id,
          0,
          call.remote_uri,
          std::string(request.header(HeaderId::Reason).value_or("")),
          {},
          {}});
    end_call(id);
  } else if (method == "INFO") {
    tl_.respond(tx, 200, "OK");
    emit({UaEvent::Type::Info,
          id,
          0,
          call.remote_uri,
          {},
          std::string(request.body()),
          std::string(request.header(HeaderId::ContentType).value_or(""))});
  } else if (method == "INVITE") {
    // A re-INVITE (session refresh, hold): accept with the same session.
    Message ok = make_response(request, 200, "OK");
    ok.add_header(HeaderId::Contact, "<" + contact_uri() + ">");
    const std::string offer(request.body());
    if (sdp_ && !offer.empty()) {
      // This request's own hop decides: a re-INVITE over UDP gets no key back, whatever
      // the call's first INVITE came over.
      const bool keys_allowed = from.transport == Transport::Tls;
      ok.set_body(sdp_(id, offer, keys_allowed), "application/sdp");
    }
    tl_.respond(tx, std::move(ok));
    if (!offer.empty()) {
      emit({UaEvent::Type::Reoffer, id, 0, call.remote_uri, {}, offer, "application/sdp"});
    }
  } else if (method == "MESSAGE" || method == "OPTIONS" || method == "UPDATE") {
    tl_.respond(tx, 200, "OK");
  } else {
    tl_.respond(tx, 501, "Not Implemented");
  }
}

void UserAgent::on_stray_ack(Message&& ack, const Peer&) {
  Call* call = find_by_dialog(ack);
  if (!call) return;
  tl_.timers().cancel(call->ok_timer);
  call->ok.reset();
  if (call->bye_after_ack) send_deferred_bye(call->id);
}

void UserAgent::send_deferred_bye(CallHandle id) {
  Call* call = find(id);
  if (!call || !call->bye_after_ack) return;
  tl_.send_request(in_dialog_request(*call, "BYE"), dialog_next_hop(*call), [](const Message&) {});
  end_call(id);
}

void UserAgent::on_stray_response(Message&&, const Peer&) {}

void UserAgent::end_call(CallHandle id) {
  auto it = calls_.find(id);
  if (it == calls_.end()) return;
  tl_.timers().cancel(it->second->ok_timer);
  tl_.timers().cancel(it->second->bye_timer);
  calls_.erase(it);
}

}  // namespace vto::sip
