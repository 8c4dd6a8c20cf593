// CallRecorder: the door panel's calls written as call records. The
// panel's state says when a call starts and when the panel leaves it; the user agent's
// events say who answered and how an unanswered call ended. Glue between device/, sip/
// and records/, hence in app/.
//
// Outcomes: answered (then ended by either side: talk time from the answer), busy (486,
// 600, 603), no_answer (408, or the panel's ring timeout), unknown_number (404),
// nobody_home (480: no monitor of the room registered), centre_offline (480 from the
// centre), cancelled (the visitor pressed the centre key while it rang, or the call was hung
// up from the API), failed (anything else: 5xx...). door_opened: an unlock while it was on.
//
// Snapshots: when a record starts, the recorder asks a Snapshotter for a JPEG of the
// visitor, writes it as <dir>/call-<record id>.jpg (records::SnapshotFiles) and sets the
// record's snapshot_path; one that comes after the call ended is still saved. A snapshot
// that fails is logged, never fatal. The files are written (a sync on an SD card can take
// tens of ms) and deleted on a thread of the recorder's own, in the order asked; the
// results come back to the core through the PostToCore given. The snapshots of records the
// cap drops are deleted with them, and a sweep at enable_snapshots() deletes the files no
// record names (a crash, older versions); files the thread had not reached when the
// recorder went are left to that sweep.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/timers.h"
#include "core/unix_clock.h"
#include "device/call_control.h"
#include "records/call_records.h"
#include "records/snapshot_files.h"

namespace vto::device {
struct PanelStatus;
}
namespace vto::sip {
struct UaEvent;
}

namespace vto::station {

using core::UnixClock;

// Takes a JPEG of the visitor and calls its argument once with it, or with an error. The
// recorder expects that call on its own thread (the core): the wiring posts it there.
using SnapshotDone = std::function<void(Result<std::vector<std::uint8_t>>)>;
using Snapshotter = std::function<void(SnapshotDone)>;

// Runs a function on the core thread, soon; called from the recorder's file thread (vtod:
// boost::asio::post on its io_context, which must outlive the recorder).
using PostToCore = std::function<void(std::function<void()>)>;

// The record result of a final SIP error status of our INVITE to `called`: busy (486, 600,
// 603), no_answer (408), unknown_number (404, 484, 604), nobody_home (480; centre_offline
// when the centre was called), failed (anything else).
std::string_view call_result_for_status(int status, std::string_view called = {});

class CallRecorder {
 public:
  // `caller` is this VTO's number as written in the records. `records` must outlive it.
  CallRecorder(records::CallRecords& records, std::string caller, UnixClock clock);
  // The caller written in the records of calls started from now on (a new VTO No.).
  void set_caller(std::string caller) { caller_ = std::move(caller); }
  // Whether an answered call's media is encrypted (SRTP), asked when it is answered.
  void set_encryption_probe(std::function<bool(device::CallHandle)> probe) {
    encrypted_ = std::move(probe);
  }
  // Waits for the file job in progress, if any; the queued ones are dropped.
  ~CallRecorder();
  CallRecorder(const CallRecorder&) = delete;
  CallRecorder& operator=(const CallRecorder&) = delete;

  // From now on every call started asks `take` for a snapshot, saved in `dir`, which is
  // created (mode 0700) if missing; an error when it cannot be, or on a second call. Starts
  // the file thread, whose first job is the sweep. A snapshot or a result that comes after
  // the recorder is destroyed is dropped.
  Result<void> enable_snapshots(std::string dir, Snapshotter take, PostToCore post_to_core);

  // Blocks until the file thread has done every job queued so far (tests; their
  // PostToCore then runs what the jobs posted).
  void wait_for_files();

  // From now on a call's record is written `delay` after the call starts (or at its first
  // change, if sooner), not in the middle of the state change: the panel's INVITE leaves
  // before the database's disk flush. Without it, records are written at once.
  void defer_writes(core::Timers& timers, core::Duration delay);

  // Feed every state change of the panel (Panel::add_state_listener).
  void on_panel_status(const device::PanelStatus& status);
  // Feed every user agent event, BEFORE UaCallControl::on_event(): a call the panel then
  // leaves is known to have been ended by the far side, not by the panel.
  void on_ua_event(const sip::UaEvent& event);

  // The door was opened: the call on at the door, if any, is marked door_opened.
  void door_opened();

  // The device that answered `call` ("101#0"), while the call lasts; empty before.
  std::string answered_by(device::CallHandle call) const {
    auto it = calls_.find(call);
    return it == calls_.end() ? std::string() : it->second.answered_by;
  }

  // Calls started and not yet finished (for tests and diagnostics).
  std::size_t open_calls() const { return calls_.size(); }

 private:
  struct Call {
    std::int64_t record = 0;  // 0: not written yet (deferred)
    std::string number;
    std::int64_t started_ms = 0;
    bool answered = false;
    bool left_by_panel = false;  // the panel hung up before any answer; the UA says why
    std::int64_t left_ms = 0;
    bool door_opened = false;  // written with the record when it is written later
    std::string answered_by;   // the device that answered ("101#0"), once one has
  };

  void left(device::CallHandle call, std::int64_t now);
  void start(device::CallHandle call, const std::string& number, std::int64_t now);
  // Writes the call's record if it is still pending; false when the call has no record
  // (unknown, or the write failed).
  bool write_start(device::CallHandle call);
  void finish(device::CallHandle call, std::string_view result, std::int64_t at);
  void mark_door_opened(std::int64_t record);
  void save_snapshot(std::int64_t record, Result<std::vector<std::uint8_t>> jpeg);
  // On the core, when the file thread has written (or failed to write) the snapshot.
  void snapshot_written(std::int64_t record, const Result<void>& written);
  // Deletes on the file thread the snapshots of records that are gone.
  void remove_snapshots(std::vector<std::string> paths);
  // Dropped (and logged) when the queue is full.
  void queue_file_job(std::function<void()> job);

  class FileThread;

  records::CallRecords& records_;
  std::string caller_;
  std::function<bool(device::CallHandle)> encrypted_;
  UnixClock clock_;
  device::CallHandle current_ = device::kNoCall;  // the panel's call at its last change
  // The call the panel left at its last change: a call started right after it to the
  // centre means the visitor pressed the centre key and cancelled it.
  device::CallHandle just_left_ = device::kNoCall;
  std::map<device::CallHandle, Call> calls_;
  std::shared_ptr<const records::SnapshotFiles> files_;  // shared with the file thread's jobs
  Snapshotter take_snapshot_;
  PostToCore post_to_core_;
  std::unique_ptr<FileThread> file_thread_;
  core::Timers* timers_ = nullptr;  // deferred writes when set
  core::Duration write_delay_{0};
  // Snapshot callbacks hold a weak share: one that comes after the recorder is gone does
  // nothing.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace vto::station
