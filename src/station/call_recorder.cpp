#include "station/call_recorder.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "core/log.h"
#include "device/panel.h"
#include "sip/message/uri.h"
#include "sip/ua/user_agent.h"

namespace vto::station {
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

// Jobs waiting for the file thread: snapshots (~40 KB each, so at most ~10 MB) while the
// card is slow; each is flushed to disk, which a busy card may do only a few dozen times a
// second. Beyond, a snapshot is dropped (logged) and a deletion is left to the next sweep.
constexpr std::size_t kMaxFileJobs = 256;

}  // namespace

// One thread that runs file jobs in the order queued. Its destructor waits for the job in
// progress and drops the others.
class CallRecorder::FileThread {
 public:
  FileThread() : thread_([this] { run(); }) {}
  ~FileThread() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      jobs_.clear();
    }
    wake_.notify_all();
    thread_.join();
  }
  FileThread(const FileThread&) = delete;
  FileThread& operator=(const FileThread&) = delete;

  bool push(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      if (jobs_.size() >= kMaxFileJobs) return false;
      jobs_.push_back(std::move(job));
    }
    wake_.notify_all();
    return true;
  }

  void wait_until_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return jobs_.empty() && !busy_; });
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      busy_ = true;
      lock.unlock();
      job();
      job = nullptr;  // its captures go before the job counts as done
      lock.lock();
      busy_ = false;
      if (jobs_.empty()) idle_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<std::function<void()>> jobs_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest exists
};

std::string_view call_result_for_status(int status, std::string_view called) {
  switch (status) {
    case 486:
    case 600:
    case 603:
      return records::kBusy;
    case 408:
      return records::kNoAnswer;
    case 404:
    case 484:
    case 604:
      return records::kUnknownNumber;
    case 480:
      return called == device::kCentreNumber ? records::kCentreOffline : records::kNobodyHome;
    default:
      return records::kFailed;
  }
}

CallRecorder::CallRecorder(records::CallRecords& records, std::string caller, UnixClock clock)
    : records_(records), caller_(std::move(caller)), clock_(std::move(clock)) {}

CallRecorder::~CallRecorder() {
  alive_.reset();  // what the file thread posts from now on does nothing
  file_thread_.reset();
}

Result<void> CallRecorder::enable_snapshots(std::string dir, Snapshotter take,
                                            PostToCore post_to_core) {
  if (file_thread_) return make_error("snapshots already enabled in " + files_->dir());
  auto files = records::SnapshotFiles::open(dir);
  if (!files) return files.error();
  files_ = std::make_shared<const records::SnapshotFiles>(std::move(*files));
  take_snapshot_ = std::move(take);
  post_to_core_ = std::move(post_to_core);
  file_thread_ = std::make_unique<FileThread>();
  // Which records name a snapshot, read now: the sweep runs before any snapshot of this
  // run is written (jobs run in order), so every file it finds is from before.
  auto links = records_.snapshot_links();
  if (!links) {
    core::logger("records")->warn("snapshot files not swept: {}", links.error().message);
    return {};
  }
  queue_file_job([files = files_, links = std::move(*links), log = core::logger("records")] {
    if (const std::size_t removed = files->sweep(links); removed > 0) {
      log->info("{} snapshot file(s) of no call record deleted from {}", removed, files->dir());
    }
  });
  return {};
}

void CallRecorder::wait_for_files() {
  if (file_thread_) file_thread_->wait_until_idle();
}

void CallRecorder::queue_file_job(std::function<void()> job) {
  if (file_thread_->push(std::move(job))) return;
  core::logger("records")->warn("snapshot files: {} jobs waiting already, one dropped",
                                kMaxFileJobs);
}

void CallRecorder::on_panel_status(const device::PanelStatus& status) {
  if (status.call == current_) {
    just_left_ = device::kNoCall;
    return;  // dialled digits, Calling -> Talking: nothing for the records
  }
  const std::int64_t now = clock_();
  const device::CallHandle previous = std::exchange(current_, status.call);
  const device::CallHandle just_left = std::exchange(just_left_, previous);
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

void CallRecorder::door_opened() {
  auto it = calls_.find(current_);
  if (current_ == device::kNoCall || it == calls_.end() || it->second.door_opened) return;
  it->second.door_opened = true;
  if (it->second.record != 0) mark_door_opened(it->second.record);
}

void CallRecorder::mark_door_opened(std::int64_t record) {
  if (auto ok = records_.set_door_opened(record); !ok) {
    core::logger("records")->warn("call record {}: {}", record, ok.error().message);
  }
}

void CallRecorder::left(device::CallHandle call, std::int64_t now) {
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

void CallRecorder::start(device::CallHandle call, const std::string& number, std::int64_t now) {
  calls_[call] = Call{0, number, now, false, false, 0, false, {}};
  if (!timers_) {
    write_start(call);
    return;
  }
  timers_->start(write_delay_, [this, call, alive = std::weak_ptr<int>(alive_)] {
    if (!alive.expired()) write_start(call);
  });
}

bool CallRecorder::write_start(device::CallHandle call) {
  auto it = calls_.find(call);
  if (it == calls_.end()) return false;
  if (it->second.record != 0) return true;
  auto made = records_.start(caller_, it->second.number, it->second.started_ms);
  if (!made) {
    core::logger("records")->warn("call {} to {}: not recorded: {}", call, it->second.number,
                                  made.error().message);
    calls_.erase(it);
    return false;
  }
  it->second.record = made->id;
  if (it->second.door_opened) mark_door_opened(made->id);
  remove_snapshots(std::move(made->dropped_snapshots));
  if (take_snapshot_) {
    take_snapshot_([this, record = made->id,
                    alive = std::weak_ptr<int>(alive_)](Result<std::vector<std::uint8_t>> jpeg) {
      if (alive.expired()) return;
      save_snapshot(record, std::move(jpeg));
    });
  }
  return true;
}

void CallRecorder::save_snapshot(std::int64_t record, Result<std::vector<std::uint8_t>> jpeg) {
  if (!jpeg) {
    core::logger("records")->warn("call record {}: no snapshot: {}", record, jpeg.error().message);
    return;
  }
  // The job touches nothing of the recorder's but through what it posts to the core, which
  // checks first that the recorder is still there.
  queue_file_job([this, files = files_, post = post_to_core_, alive = std::weak_ptr<int>(alive_),
                  record, bytes = std::move(*jpeg)] {
    Result<void> written = files->write(record, bytes);
    post([this, alive, record, written = std::move(written)] {
      if (!alive.expired()) snapshot_written(record, written);
    });
  });
}

void CallRecorder::snapshot_written(std::int64_t record, const Result<void>& written) {
  auto log = core::logger("records");
  if (!written) {
    log->warn("call record {}: snapshot not saved: {}", record, written.error().message);
    return;
  }
  const std::string path = files_->path_of(record);
  if (auto ok = records_.set_snapshot(record, path); !ok) {
    if (ok.error().errc != Errc::NotFound) {
      log->warn("call record {}: snapshot not linked: {}", record, ok.error().message);
      return;  // the next start's sweep deletes the file
    }
    // The cap dropped the record while its snapshot was being written: keep no orphan.
    log->info("call record {}: dropped before its snapshot was saved", record);
    remove_snapshots({path});
  }
}

void CallRecorder::remove_snapshots(std::vector<std::string> paths) {
  // Without snapshots in this run, the sweep of a later one deletes them.
  if (paths.empty() || !file_thread_) return;
  queue_file_job([files = files_, paths = std::move(paths), log = core::logger("records")] {
    for (const auto& path : paths) {
      if (!files->remove(path)) log->warn("snapshot {}: not deleted (gone, or not ours)", path);
    }
  });
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
      call.answered_by = device_of(e);
      if (auto ok = records_.answered(call.record, call.answered_by, now,
                                      encrypted_ && encrypted_(e.call));
          !ok) {
        core::logger("records")->warn("call record {}: {}", call.record, ok.error().message);
      }
      // Answered just after the panel gave up: the user agent hangs up at once.
      if (call.left_by_panel) finish(e.call, records::kAnswered, now);
      break;
    case Type::Rejected:
      finish(e.call, call_result_for_status(e.status, call.number), ended);
      break;
    case Type::Cancelled:
      // Our CANCEL went out: the panel's ring timeout, or a hang-up from the API.
      finish(e.call, call.left_by_panel ? records::kNoAnswer : records::kCancelled, ended);
      break;
    case Type::Bye:
      finish(e.call, call.answered ? records::kAnswered : records::kFailed, now);
      break;
    case Type::Error:
      finish(e.call,
             call.answered ? records::kAnswered : call_result_for_status(e.status, call.number),
             ended);
      break;
    default:
      break;
  }
}

void CallRecorder::finish(device::CallHandle call, std::string_view result, std::int64_t at) {
  if (!write_start(call)) return;
  auto it = calls_.find(call);
  const std::int64_t record = it->second.record;
  calls_.erase(it);
  if (auto ok = records_.finish(record, result, at); !ok) {
    core::logger("records")->warn("call record {}: {}", record, ok.error().message);
  }
}

}  // namespace vto::station
