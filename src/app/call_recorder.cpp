#include "app/call_recorder.h"

#include <chrono>
#include <utility>

#include "core/log.h"
#include "device/panel.h"
#include "sip/message/uri.h"
#include "sip/ua/user_agent.h"

namespace vto::app {
namespace {

// "101#1" from the answering device's Contact ("sip:101%231@10.0.0.5:5060"); the number
// called when the 200 OK had no Contact.
std::string device_of(const sip::UaEvent& e) {
  for (const std::string* text : {&e.remote_contact, &e.peer}) {
    if (text->empty()) continue;
    if (auto uri = sip::Uri::parse(*text); uri && !uri->user().empty()) {
      return uri->user_unescaped();
    }
  }
  return {};
}

}  // namespace

std::int64_t system_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view call_result_for_status(int status) {
  switch (status) {
    case 486:
    case 600:
    case 603:
      return records::kBusy;
    case 408:
      return records::kNoAnswer;
    default:
      return records::kFailed;
  }
}

CallRecorder::CallRecorder(records::CallRecords& records, std::string caller, UnixClock clock)
    : records_(records), caller_(std::move(caller)), clock_(std::move(clock)) {}

void CallRecorder::on_panel_status(const device::PanelStatus& status) {
  if (status.call == current_) {
    just_left_ = device::kNoCall;
    return;  // dialled digits, Calling -> Talking: nothing for the records
  }
  const std::int64_t now = clock_();
  const device::CallId previous = std::exchange(current_, status.call);
  const device::CallId just_left = std::exchange(just_left_, previous);
  if (previous != device::kNoCall) left(previous, now);
  if (status.state != device::PanelState::Calling || status.call == device::kNoCall) return;
  // The centre key ends a ringing call (Idle) and calls the centre at once.
  if (status.number == device::kCentreNumber && just_left != device::kNoCall) {
    if (auto it = calls_.find(just_left); it != calls_.end() && it->second.left_by_panel) {
      finish(just_left, records::kCancelled, it->second.left_ms);
    }
  }
  just_left_ = device::kNoCall;
  start(status.call, status.number, now);
}

void CallRecorder::left(device::CallId call, std::int64_t now) {
  auto it = calls_.find(call);
  if (it == calls_.end()) return;  // already finished from a UA event
  if (it->second.answered) {
    finish(call, records::kAnswered, now);
    return;
  }
  it->second.left_by_panel = true;
  it->second.left_ms = now;
}

void CallRecorder::start(device::CallId call, const std::string& number, std::int64_t now) {
  auto id = records_.start(caller_, number, now);
  if (!id) {
    core::logger("records")->warn("call {} to {}: not recorded: {}", call, number,
                                  id.error().message);
    return;
  }
  calls_[call] = Call{*id};
}

void CallRecorder::on_ua_event(const sip::UaEvent& e) {
  auto it = calls_.find(e.call);
  if (e.call == 0 || it == calls_.end()) return;
  Call& call = it->second;
  const std::int64_t now = clock_();
  const std::int64_t ended = call.left_by_panel ? call.left_ms : now;
  using Type = sip::UaEvent::Type;
  switch (e.type) {
    case Type::Answered:
      if (call.answered) return;
      call.answered = true;
      if (auto ok = records_.answered(call.record, device_of(e), now); !ok) {
        core::logger("records")->warn("call record {}: {}", call.record, ok.error().message);
      }
      // Answered just after the panel gave up: the user agent hangs up at once.
      if (call.left_by_panel) finish(e.call, records::kAnswered, now);
      break;
    case Type::Rejected:
      finish(e.call, call_result_for_status(e.status), ended);
      break;
    case Type::Cancelled:
      // Our CANCEL went out: the panel's ring timeout, or a hang-up from the API.
      finish(e.call, call.left_by_panel ? records::kNoAnswer : records::kCancelled, ended);
      break;
    case Type::Bye:
      finish(e.call, call.answered ? records::kAnswered : records::kFailed, now);
      break;
    case Type::Error:
      finish(e.call, call.answered ? records::kAnswered : call_result_for_status(e.status), ended);
      break;
    default:
      break;
  }
}

void CallRecorder::finish(device::CallId call, std::string_view result, std::int64_t at) {
  auto it = calls_.find(call);
  if (it == calls_.end()) return;
  const std::int64_t record = it->second.record;
  calls_.erase(it);
  if (auto ok = records_.finish(record, result, at); !ok) {
    core::logger("records")->warn("call record {}: {}", record, ok.error().message);
  }
}

}  // namespace vto::app
