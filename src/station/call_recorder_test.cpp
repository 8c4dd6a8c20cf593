#include "station/call_recorder.h"

#include "station/ua_call_control.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/timers.h"
#include "device/panel.h"
#include "hal/sim/sim_panel.h"
#include "sip/ua/user_agent.h"
#include "store/temp_dir.h"

namespace vto::station {
namespace {

using namespace std::chrono_literals;
using sip::UaEvent;
using Type = sip::UaEvent::Type;

constexpr std::int64_t kEpochMs = 1'700'000'000'000;

class FakeCalls final : public device::CallControl {
 public:
  device::CallHandle place(const std::string&) override { return next++; }
  void hang_up(device::CallHandle call) override { hung_up.push_back(call); }
  device::CallHandle next = 1;
  std::vector<device::CallHandle> hung_up;
};

// The core thread's queue as the test runs it: what the recorder's file thread posts waits
// here until run(). Notes which threads posted.
class CoreQueue {
 public:
  PostToCore poster() {
    return [this](std::function<void()> fn) {
      std::lock_guard lock(mutex_);
      posted_.push_back(std::move(fn));
      posters_.insert(std::this_thread::get_id());
    };
  }
  // Runs what was posted so far; returns how many.
  std::size_t run() {
    std::vector<std::function<void()>> now;
    {
      std::lock_guard lock(mutex_);
      now.swap(posted_);
    }
    for (auto& fn : now) fn();
    return now.size();
  }
  std::set<std::thread::id> posters() {
    std::lock_guard lock(mutex_);
    return posters_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::function<void()>> posted_;
  std::set<std::thread::id> posters_;
};

hal::sim::SimPanelConfig layout() {
  hal::sim::SimPanelConfig config;
  config.modules = {{hal::ModuleKind::Buttons, 2}, {hal::ModuleKind::Keypad}};
  return config;
}

// A real panel on simulated keys and ManualTimers, its calls recorded in a real database.
// The wall clock follows the ManualTimers.
class CallRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open(tmp_.sub("data"));
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    records_ = std::make_unique<records::CallRecords>(*db_, max_rows_);
    recorder_ = std::make_unique<CallRecorder>(*records_, "8001", [this] {
      return kEpochMs +
             std::chrono::duration_cast<std::chrono::milliseconds>(timers_.now().time_since_epoch())
                 .count();
    });
    device::PanelConfig config;
    config.buttons = {{0, "101"}, {1, "102"}};
    config.ring_timeout = 30s;
    panel_ = std::make_unique<device::Panel>(
        config,
        device::PanelDevices{.key_sources = {&sim_.call_buttons(), sim_.keypad()},
                             .lock = sim_.lock()},
        calls_, timers_);
    panel_->add_state_listener(
        [this](const device::PanelStatus& s) { recorder_->on_panel_status(s); });
  }

  // As vtod: the recorder first, then the panel (what UaCallControl::on_event does).
  void deliver(UaEvent e) {
    recorder_->on_ua_event(e);
    notify_panel(*panel_, e);
  }
  void ringing(device::CallHandle call) {
    deliver({Type::Ringing, call, 180, "sip:101@VDP", {}, {}, {}});
  }
  void answered(device::CallHandle call, std::string contact) {
    deliver({Type::Answered, call, 200, "sip:101@VDP", {}, {}, {}, std::move(contact)});
  }
  void rejected(device::CallHandle call, int status) {
    deliver({Type::Rejected, call, status, "sip:101@VDP", "why", {}, {}});
  }
  void press(std::string_view key) { ASSERT_TRUE(sim_.press(key)) << key; }

  // The file thread's jobs done and their results handled on the "core", until quiet.
  void settle() {
    do {
      if (recorder_) recorder_->wait_for_files();
    } while (core_.run() > 0);
  }

  records::CallRecord only_record() {
    auto found = records_->search({});
    EXPECT_TRUE(found);
    EXPECT_EQ(found->size(), 1u);
    return found->empty() ? records::CallRecord{} : found->front();
  }

  store::testing::TempDir tmp_;
  std::size_t max_rows_ = records::CallRecords::kDefaultMaxRows;  // set before SetUp()
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<records::CallRecords> records_;
  CoreQueue core_;  // outlives the recorder, whose file thread posts to it
  std::unique_ptr<CallRecorder> recorder_;
  core::ManualTimers timers_;
  hal::sim::SimPanel sim_{timers_, layout()};
  FakeCalls calls_;
  std::unique_ptr<device::Panel> panel_;
};

TEST_F(CallRecorderTest, CallButtonStartsAnOngoingRecord) {
  timers_.advance(5s);
  press("button1");
  ringing(1);
  auto r = only_record();
  EXPECT_EQ(r.result, "ongoing");
  EXPECT_EQ(r.caller, "8001");
  EXPECT_EQ(r.called, "101");
  EXPECT_EQ(r.started_ms, kEpochMs + 5000);
  EXPECT_EQ(r.ended_ms, 0);
  EXPECT_EQ(recorder_->open_calls(), 1u);
}

TEST_F(CallRecorderTest, DeferredRecordIsWrittenAfterTheDelayWithItsStartTime) {
  recorder_->defer_writes(timers_, 20ms);
  timers_.advance(5s);
  press("button1");
  auto none = records_->search({});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty()) << "written during the state change";
  timers_.advance(20ms);
  auto r = only_record();
  EXPECT_EQ(r.result, "ongoing");
  EXPECT_EQ(r.started_ms, kEpochMs + 5000);
}

TEST_F(CallRecorderTest, DeferredRecordIsWrittenFirstWhenTheCallChangesSooner) {
  recorder_->defer_writes(timers_, 20ms);
  press("button1");
  answered(1, "sip:101%230@192.0.2.7:5062");  // before the delay is up
  auto r = only_record();
  EXPECT_EQ(r.result, "ongoing");
  EXPECT_EQ(r.answered_by, "101#0");
  timers_.advance(20ms);  // the deferred write finds it done
  deliver({Type::Bye, 1, 0, "sip:101@VDP", {}, {}, {}});
  r = only_record();
  EXPECT_EQ(r.result, "answered");
  // Busy at once: the record and its end, in that order.
  press("button2");
  rejected(2, 486);
  auto found = records_->search({});
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ(found->front().result, "busy");
  EXPECT_EQ(recorder_->open_calls(), 0u);
}

TEST_F(CallRecorderTest, AnsweredThenHungUpByTheResident) {
  press("button1");
  timers_.advance(3s);
  EXPECT_EQ(recorder_->answered_by(1), "");
  answered(1, "sip:101%231@192.0.2.7:5062");
  EXPECT_EQ(recorder_->answered_by(1), "101#1");  // the virtual panel says who
  timers_.advance(42s);
  deliver({Type::Bye, 1, 0, "sip:101@VDP", {}, {}, {}});
  auto r = only_record();
  EXPECT_EQ(r.result, "answered");
  EXPECT_EQ(r.answered_by, "101#1");
  EXPECT_EQ(r.duration_s, 42);
  EXPECT_EQ(r.ended_ms, kEpochMs + 45000);
  EXPECT_EQ(recorder_->open_calls(), 0u);
}

TEST_F(CallRecorderTest, AnsweredThenEndedByTheTalkLimit) {
  press("button2");
  answered(1, "sip:102%230@192.0.2.8:5060");
  timers_.advance(120s);  // the panel's default talk limit: it hangs up, BYE follows
  ASSERT_EQ(calls_.hung_up, std::vector<device::CallHandle>{1});
  deliver({Type::Bye, 1, 0, "sip:102@VDP", "local hangup", {}, {}});
  auto r = only_record();
  EXPECT_EQ(r.result, "answered");
  EXPECT_EQ(r.answered_by, "102#0");
  EXPECT_EQ(r.duration_s, 120);
}

TEST_F(CallRecorderTest, AnswerWithoutContactNamesTheNumberCalled) {
  press("button1");
  answered(1, "");
  deliver({Type::Bye, 1, 0, "sip:101@VDP", {}, {}, {}});
  EXPECT_EQ(only_record().answered_by, "101");
}

TEST_F(CallRecorderTest, BusyRoom) {
  for (int status : {486, 600, 603}) {
    const device::CallHandle call = calls_.next;
    press("button1");
    timers_.advance(1s);
    rejected(call, status);
    timers_.advance(10s);  // the panel's message
  }
  auto found = records_->search({});
  ASSERT_EQ(found->size(), 3u);
  for (const auto& r : *found) {
    EXPECT_EQ(r.result, "busy");
    EXPECT_EQ(r.duration_s, 0);
    EXPECT_EQ(r.ended_ms, r.started_ms + 1000);
  }
}

TEST_F(CallRecorderTest, RequestTimeoutIsNoAnswer) {
  press("button1");
  rejected(1, 408);
  EXPECT_EQ(only_record().result, "no_answer");
}

TEST_F(CallRecorderTest, RingTimeoutIsNoAnswer) {
  press("button1");
  ringing(1);
  timers_.advance(30s);  // the panel gives up and cancels
  ASSERT_EQ(calls_.hung_up, std::vector<device::CallHandle>{1});
  timers_.advance(200ms);
  deliver({Type::Cancelled, 1, 487, "sip:101@VDP", {}, {}, {}});
  auto r = only_record();
  EXPECT_EQ(r.result, "no_answer");
  EXPECT_EQ(r.ended_ms, kEpochMs + 30000);  // when the panel gave up, not the 487
}

records::CallQuery oldest_first() {
  records::CallQuery q;
  q.oldest_first = true;
  return q;
}

TEST_F(CallRecorderTest, NobodyHomeUnknownRoomAndServerErrorsSayWhy) {
  for (int status : {480, 404, 500}) {
    const device::CallHandle call = calls_.next;
    press("button1");
    rejected(call, status);
    timers_.advance(10s);
  }
  auto all = records_->search(oldest_first());
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].result, "nobody_home");
  EXPECT_EQ((*all)[1].result, "unknown_number");
  EXPECT_EQ((*all)[2].result, "failed");
}

// An unlock while a call is on marks its record, also before the deferred write; one after
// the call does not.
TEST_F(CallRecorderTest, DoorOpenedDuringTheCallIsRecorded) {
  recorder_->defer_writes(timers_, 20ms);
  press("button1");
  recorder_->door_opened();  // the record is not written yet
  timers_.advance(20ms);
  EXPECT_TRUE(only_record().door_opened);
  deliver({Type::Bye, 1, 0, "sip:101@VDP", {}, {}, {}});
  timers_.advance(10s);
  press("button2");
  answered(2, "sip:102%230@192.0.2.8:5060");
  timers_.advance(1s);
  recorder_->door_opened();
  recorder_->door_opened();
  deliver({Type::Bye, 2, 0, "sip:102@VDP", {}, {}, {}});
  timers_.advance(1s);
  recorder_->door_opened();  // no call: nothing
  press("button1");
  rejected(3, 486);
  auto all = records_->search(oldest_first());
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_TRUE((*all)[1].door_opened);
  EXPECT_EQ((*all)[1].result, "answered");
  EXPECT_FALSE((*all)[2].door_opened);
}

TEST_F(CallRecorderTest, CentreKeyWhileRingingCancelsTheCallAndRecordsTheCentreCall) {
  press("button1");
  ringing(1);
  timers_.advance(4s);
  press("centre");  // ends call 1, places call 2 to 888888
  ASSERT_EQ(calls_.hung_up, std::vector<device::CallHandle>{1});
  deliver({Type::Cancelled, 1, 487, "sip:101@VDP", {}, {}, {}});  // late: already recorded
  answered(2, "sip:888888@192.0.2.9:5060");
  timers_.advance(10s);
  deliver({Type::Bye, 2, 0, "sip:888888@VDP", {}, {}, {}});

  auto found = records_->search({});
  ASSERT_EQ(found->size(), 2u);
  const auto& centre = (*found)[0];
  const auto& room = (*found)[1];
  EXPECT_EQ(room.called, "101");
  EXPECT_EQ(room.result, "cancelled");
  EXPECT_EQ(room.ended_ms, kEpochMs + 4000);
  EXPECT_EQ(centre.called, "888888");
  EXPECT_EQ(centre.result, "answered");
  EXPECT_EQ(centre.answered_by, "888888");
  EXPECT_EQ(centre.duration_s, 10);
  EXPECT_EQ(recorder_->open_calls(), 0u);
}

TEST_F(CallRecorderTest, CentreKeyWhileTalkingKeepsTheAnsweredCall) {
  press("button1");
  answered(1, "sip:101%230@192.0.2.7:5060");
  timers_.advance(7s);
  press("centre");
  deliver({Type::Bye, 1, 0, "sip:101@VDP", "local hangup", {}, {}});
  auto found = records_->search({});
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[1].result, "answered");
  EXPECT_EQ((*found)[1].duration_s, 7);
  EXPECT_EQ((*found)[0].result, "ongoing");
  EXPECT_EQ((*found)[0].called, "888888");
}

TEST_F(CallRecorderTest, HungUpFromTheApiWhileRingingIsCancelled) {
  press("button1");
  ringing(1);
  deliver({Type::Cancelled, 1, 487, "sip:101@VDP", {}, {}, {}});
  EXPECT_EQ(only_record().result, "cancelled");
}

TEST_F(CallRecorderTest, ErrorAfterAnswerKeepsAnswered) {
  press("button1");
  answered(1, "sip:101%230@192.0.2.7:5060");
  timers_.advance(2s);
  deliver({Type::Error, 1, 408, "sip:101@VDP", "no ACK for 200 OK", {}, {}});
  auto r = only_record();
  EXPECT_EQ(r.result, "answered");
  EXPECT_EQ(r.duration_s, 2);
}

TEST_F(CallRecorderTest, EventsOfOtherCallsAreIgnored) {
  recorder_->on_ua_event({Type::Rejected, 77, 486, "sip:9@VDP", {}, {}, {}});
  press("1");
  press("0");  // dialling is not a call
  EXPECT_EQ(*records_->count({}), 0u);
}

// A camera whose snapshots the test answers by hand, as vtod's posted callbacks would.
struct FakeCamera {
  Snapshotter snapshotter() {
    return [this](SnapshotDone done) { waiting.push_back(std::move(done)); };
  }
  void answer(Result<std::vector<std::uint8_t>> jpeg) {
    ASSERT_FALSE(waiting.empty());
    auto done = std::move(waiting.front());
    waiting.erase(waiting.begin());
    done(std::move(jpeg));
  }
  std::vector<SnapshotDone> waiting;
};

const std::vector<std::uint8_t> kJpeg = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x02, 0xFF, 0xD9};

std::vector<std::uint8_t> file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int mode_of(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

class CallRecorderSnapshotTest : public CallRecorderTest {
 protected:
  void SetUp() override {
    CallRecorderTest::SetUp();
    dir_ = tmp_.path() / "snapshots";
    ASSERT_TRUE(recorder_->enable_snapshots(dir_.string(), camera_.snapshotter(), core_.poster()));
    settle();  // the sweep
  }

  // The camera answers, the file thread writes, the core links the file to the record.
  void answer(Result<std::vector<std::uint8_t>> jpeg) {
    camera_.answer(std::move(jpeg));
    settle();
  }
  std::set<std::string> files() {
    std::set<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      names.insert(e.path().filename());
    }
    return names;
  }

  std::filesystem::path dir_;
  FakeCamera camera_;
};

TEST_F(CallRecorderSnapshotTest, SnapshotIsSavedAndLinkedToTheRecord) {
  EXPECT_EQ(mode_of(dir_), 0700);
  press("button1");
  ASSERT_EQ(camera_.waiting.size(), 1u);
  answer(kJpeg);
  const auto r = only_record();
  const auto path = dir_ / ("call-" + std::to_string(r.id) + ".jpg");
  EXPECT_EQ(r.snapshot_path, path.string());
  EXPECT_EQ(file_bytes(path), kJpeg);
  EXPECT_EQ(mode_of(path), 0640);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1);  // no temp file
}

TEST_F(CallRecorderSnapshotTest, SnapshotAfterTheCallEndedIsStillSaved) {
  press("button1");
  rejected(1, 486);
  ASSERT_EQ(only_record().result, "busy");
  answer(kJpeg);
  const auto r = only_record();
  EXPECT_EQ(r.result, "busy");
  ASSERT_TRUE(r.snapshot_path);
  EXPECT_EQ(file_bytes(*r.snapshot_path), kJpeg);
}

TEST_F(CallRecorderSnapshotTest, EachCallGetsItsOwnSnapshot) {
  press("button1");
  ringing(1);
  timers_.advance(4s);
  press("centre");  // a second call, to the centre
  ASSERT_EQ(camera_.waiting.size(), 2u);
  answer(std::vector<std::uint8_t>{0xFF, 0xD8, 0x01, 0xFF, 0xD9});
  answer(kJpeg);
  auto found = records_->search({});
  ASSERT_EQ(found->size(), 2u);
  const auto& centre = (*found)[0];
  const auto& room = (*found)[1];
  ASSERT_TRUE(room.snapshot_path && centre.snapshot_path);
  EXPECT_NE(*room.snapshot_path, *centre.snapshot_path);
  EXPECT_EQ(file_bytes(*room.snapshot_path).size(), 5u);
  EXPECT_EQ(file_bytes(*centre.snapshot_path), kJpeg);
}

TEST_F(CallRecorderSnapshotTest, FailedSnapshotLeavesTheRecordWithout) {
  press("button1");
  answer(make_error("video: no camera frame"));
  EXPECT_FALSE(only_record().snapshot_path);
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
  EXPECT_EQ(recorder_->open_calls(), 1u);
}

TEST_F(CallRecorderSnapshotTest, UnwritableDirectoryIsNotFatal) {
  press("button1");
  std::filesystem::remove_all(dir_);
  answer(kJpeg);
  EXPECT_FALSE(only_record().snapshot_path);
  answered(1, "sip:101%230@192.0.2.7:5060");
  deliver({Type::Bye, 1, 0, "sip:101@VDP", {}, {}, {}});
  EXPECT_EQ(only_record().result, "answered");
}

TEST_F(CallRecorderSnapshotTest, SnapshotAfterTheRecorderIsGoneIsDropped) {
  press("button1");
  recorder_.reset();
  camera_.answer(kJpeg);
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

TEST_F(CallRecorderSnapshotTest, TheFileIsWrittenOffTheCoreAndLinkedOnIt) {
  press("button1");
  camera_.answer(kJpeg);  // the file thread takes it from here
  rejected(1, 486);       // the call goes on meanwhile
  recorder_->wait_for_files();
  const auto path = dir_ / ("call-" + std::to_string(only_record().id) + ".jpg");
  EXPECT_EQ(file_bytes(path), kJpeg);
  EXPECT_FALSE(only_record().snapshot_path) << "linked before the core ran";
  EXPECT_EQ(core_.run(), 1u);
  const auto r = only_record();
  EXPECT_EQ(r.snapshot_path, path.string());
  EXPECT_EQ(r.result, "busy");
  const auto posters = core_.posters();
  ASSERT_EQ(posters.size(), 1u);
  EXPECT_NE(*posters.begin(), std::this_thread::get_id());
}

TEST_F(CallRecorderSnapshotTest, RecorderDestroyedWhileTheFileIsWrittenLinksNothing) {
  press("button1");
  const std::int64_t id = only_record().id;
  camera_.answer(kJpeg);
  recorder_.reset();  // waits for the write if it started, drops it otherwise
  core_.run();        // what it posted finds the recorder gone
  EXPECT_FALSE(records_->get(id)->snapshot_path);
  // Either way, the next start's sweep leaves no file without its record's link.
  recorder_ = std::make_unique<CallRecorder>(*records_, "8001", core::system_unix_ms);
  ASSERT_TRUE(recorder_->enable_snapshots(dir_.string(), camera_.snapshotter(), core_.poster()));
  settle();
  EXPECT_TRUE(files().empty());
}

TEST_F(CallRecorderSnapshotTest, SecondEnableIsRefused) {
  EXPECT_FALSE(recorder_->enable_snapshots(dir_.string(), camera_.snapshotter(), core_.poster()));
}

// Three records at most, as if the cap were 100,000.
class CallRecorderCapTest : public CallRecorderSnapshotTest {
 protected:
  CallRecorderCapTest() { max_rows_ = 3; }

  // A call to button 1, busy, its snapshot saved; returns its record id.
  std::int64_t busy_call_with_snapshot() {
    const device::CallHandle call = calls_.next;
    press("button1");
    answer(kJpeg);
    rejected(call, 486);
    timers_.advance(10s);  // the panel's message
    return records_->search({})->front().id;
  }
  static std::string name_of(std::int64_t id) { return "call-" + std::to_string(id) + ".jpg"; }
};

TEST_F(CallRecorderCapTest, SnapshotsGoWithTheRecordsTheCapDrops) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(busy_call_with_snapshot());
  EXPECT_EQ(files(), (std::set<std::string>{name_of(ids[0]), name_of(ids[1]), name_of(ids[2])}));
  for (int i = 0; i < 2; ++i) ids.push_back(busy_call_with_snapshot());
  EXPECT_EQ(*records_->count({}), 3u);
  EXPECT_EQ(files(), (std::set<std::string>{name_of(ids[2]), name_of(ids[3]), name_of(ids[4])}));
}

TEST_F(CallRecorderCapTest, ADroppedRecordNamingAFileElsewhereLeavesIt) {
  const auto outside = tmp_.path() / "call-1.jpg";
  std::ofstream(outside) << "not ours";
  const auto first = busy_call_with_snapshot();
  ASSERT_TRUE(records_->set_snapshot(first, outside.string()));
  ASSERT_TRUE(records_->set_snapshot(busy_call_with_snapshot(), (dir_ / "../call-1.jpg").string()));
  busy_call_with_snapshot();
  busy_call_with_snapshot();
  busy_call_with_snapshot();  // both odd records dropped by now
  EXPECT_EQ(*records_->count({}), 3u);
  EXPECT_TRUE(std::filesystem::exists(outside));
  // The two records' own files, named by no record since, wait for the next sweep.
  EXPECT_EQ(files().size(), 5u);
}

TEST_F(CallRecorderCapTest, SnapshotOfARecordDroppedWhileOnItsWayIsDeleted) {
  for (int i = 0; i < 2; ++i) busy_call_with_snapshot();
  press("button1");  // record 3: its snapshot is late
  const std::int64_t late = records_->search({})->front().id;
  rejected(calls_.next - 1, 486);
  timers_.advance(10s);
  press("button1");  // record 4 drops record 1 (by then, with its file)
  rejected(calls_.next - 1, 486);
  timers_.advance(10s);
  press("button1");  // record 5 drops record 2
  rejected(calls_.next - 1, 486);
  timers_.advance(10s);
  press("button1");  // record 6 drops record 3, whose snapshot has not come yet
  ASSERT_EQ(camera_.waiting.size(), 4u);
  EXPECT_EQ(records_->get(late).error().errc, Errc::NotFound);
  answer(kJpeg);  // record 3's: written, found without a record, deleted
  EXPECT_TRUE(files().empty());
  answer(kJpeg);  // record 4's
  EXPECT_EQ(files(), std::set<std::string>{name_of(late + 1)});
}

TEST_F(CallRecorderTest, EnablingSnapshotsSweepsFilesNoRecordNames) {
  const auto dir = tmp_.path() / "snapshots";
  std::filesystem::create_directory(dir);
  auto kept = records_->start("8001", "101", kEpochMs);
  auto crashed = records_->start("8001", "102", kEpochMs + 1000);
  ASSERT_TRUE(kept && crashed);
  auto put = [&dir](const std::string& name) { std::ofstream(dir / name) << "x"; };
  const std::string kept_name = "call-" + std::to_string(kept->id) + ".jpg";
  put(kept_name);
  ASSERT_TRUE(records_->set_snapshot(kept->id, (dir / kept_name).string()));
  put("call-" + std::to_string(crashed->id) + ".jpg");  // renamed, then a crash: no link
  put("call-999.jpg");                                  // its record dropped long ago
  put("call-1000.jpg.tmp");                             // a write cut short
  put("README");
  ASSERT_TRUE(recorder_->enable_snapshots(
      dir.string(), [](SnapshotDone) {}, core_.poster()));
  settle();
  std::set<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(dir)) left.insert(e.path().filename());
  EXPECT_EQ(left, (std::set<std::string>{kept_name, "README"}));
}

TEST_F(CallRecorderTest, SnapshotDirectoryThatCannotBeMadeIsAnError) {
  const auto file = tmp_.path() / "file";
  std::ofstream(file) << "x";
  EXPECT_FALSE(recorder_->enable_snapshots(
      file.string(), [](SnapshotDone) {}, core_.poster()));
  EXPECT_FALSE(
      recorder_->enable_snapshots((file / "sub").string(), [](SnapshotDone) {}, core_.poster()));
}

TEST(CallResultForStatus, MapsSipStatuses) {
  EXPECT_EQ(call_result_for_status(486), "busy");
  EXPECT_EQ(call_result_for_status(600), "busy");
  EXPECT_EQ(call_result_for_status(408), "no_answer");
  EXPECT_EQ(call_result_for_status(480), "nobody_home");
  EXPECT_EQ(call_result_for_status(480, "888888"), "centre_offline");
  EXPECT_EQ(call_result_for_status(404, "999"), "unknown_number");
  EXPECT_EQ(call_result_for_status(500, "101"), "failed");
  EXPECT_EQ(call_result_for_status(604), "unknown_number");
  EXPECT_EQ(call_result_for_status(503), "failed");
}

}  // namespace
}  // namespace vto::station
