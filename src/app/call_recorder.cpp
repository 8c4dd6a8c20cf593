#include "app/call_recorder.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <utility>

#include "core/log.h"
#include "device/panel.h"
#include "sip/message/uri.h"
#include "sip/ua/user_agent.h"
#include "store/errors.h"

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

// Writes `bytes` to `path` through a temporary file renamed over it, so a reader never
// sees half a file and a crash leaves the old one or the new one.
Result<void> write_file_atomically(const std::string& path, const std::vector<std::uint8_t>& bytes,
                                   mode_t mode) {
  const std::string temp = path + ".tmp";
  auto failed = [&](const std::string& what) {
    const std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    return make_error(temp + ": " + what + ": " + reason);
  };
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return make_error(temp + ": " + std::strerror(errno));
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return failed("write");
    }
    written += static_cast<std::size_t>(n);
  }
  // The umask must not narrow the mode; the data reaches the disk before the name does.
  if (::fchmod(fd, mode) != 0 || ::fdatasync(fd) != 0) {
    ::close(fd);
    return failed("sync");
  }
  if (::close(fd) != 0) return failed("close");
  if (::rename(temp.c_str(), path.c_str()) != 0) return failed("rename");
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

Result<void> CallRecorder::enable_snapshots(std::string dir, Snapshotter take) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec) && ::mkdir(dir.c_str(), 0700) != 0) {
    return make_error("snapshot directory " + dir + ": " + std::strerror(errno));
  }
  snapshot_dir_ = std::move(dir);
  take_snapshot_ = std::move(take);
  return {};
}

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

void CallRecorder::defer_writes(core::Timers& timers, core::Duration delay) {
  timers_ = &timers;
  write_delay_ = delay;
}

void CallRecorder::start(device::CallId call, const std::string& number, std::int64_t now) {
  calls_[call] = Call{0, number, now};
  if (!timers_) {
    write_start(call);
    return;
  }
  timers_->start(write_delay_, [this, call, alive = std::weak_ptr<int>(alive_)] {
    if (!alive.expired()) write_start(call);
  });
}

bool CallRecorder::write_start(device::CallId call) {
  auto it = calls_.find(call);
  if (it == calls_.end()) return false;
  if (it->second.record != 0) return true;
  auto id = records_.start(caller_, it->second.number, it->second.started_ms);
  if (!id) {
    core::logger("records")->warn("call {} to {}: not recorded: {}", call, it->second.number,
                                  id.error().message);
    calls_.erase(it);
    return false;
  }
  it->second.record = *id;
  if (take_snapshot_) {
    take_snapshot_([this, record = *id,
                    alive = std::weak_ptr<int>(alive_)](Result<std::vector<std::uint8_t>> jpeg) {
      if (alive.expired()) return;
      save_snapshot(record, std::move(jpeg));
    });
  }
  return true;
}

void CallRecorder::save_snapshot(std::int64_t record, Result<std::vector<std::uint8_t>> jpeg) {
  auto log = core::logger("records");
  if (!jpeg) {
    log->warn("call record {}: no snapshot: {}", record, jpeg.error().message);
    return;
  }
  const std::string path =
      (std::filesystem::path(snapshot_dir_) / ("call-" + std::to_string(record) + ".jpg")).string();
  if (auto written = write_file_atomically(path, *jpeg, 0640); !written) {
    log->warn("call record {}: snapshot not saved: {}", record, written.error().message);
    return;
  }
  if (auto ok = records_.set_snapshot(record, path); !ok) {
    log->warn("call record {}: {}", record, ok.error().message);
    // The record is gone (dropped by the cap): keep no orphan file.
    if (ok.error().code == store::kNotFound) ::unlink(path.c_str());
  }
}

void CallRecorder::on_ua_event(const sip::UaEvent& e) {
  if (e.call == 0 || !calls_.contains(e.call)) return;
  switch (e.type) {
    case sip::UaEvent::Type::Answered:
    case sip::UaEvent::Type::Rejected:
    case sip::UaEvent::Type::Cancelled:
    case sip::UaEvent::Type::Bye:
    case sip::UaEvent::Type::Error:
      if (!write_start(e.call)) return;  // a change to record: the record comes first
      break;
    default:
      return;
  }
  auto it = calls_.find(e.call);
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
  if (!write_start(call)) return;
  auto it = calls_.find(call);
  const std::int64_t record = it->second.record;
  calls_.erase(it);
  if (auto ok = records_.finish(record, result, at); !ok) {
    core::logger("records")->warn("call record {}: {}", record, ok.error().message);
  }
}

}  // namespace vto::app
