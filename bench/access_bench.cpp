// Access control and records figures (issue "access control, alarms and record search"):
//   1. access decision with 100,000 cards: a card presented -> the lock relay's line
//      written, in process (AccessControl::card, the unlock record queued), p50/p99/max;
//   2. sustained unlock-record inserts per second through the RecordWriter;
//   3. the first page (50) of a filtered search over 1,000,000 unlock records, the page and
//      its total as the API answers them, p50/p99 per filter.
// Everything lives in a temporary data directory (DIR, default under /tmp) removed at the
// end. Prints the figures and one "SUMMARY name value (goal ...)" line per figure.
// Usage: bench_access [--records 1000000] [--cards 100000] [--dir /dev/shm]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "access/access_control.h"
#include "access/credentials.h"
#include "core/log.h"
#include "hal/timed_lock_relay.h"
#include "records/record_writer.h"
#include "records/unlock_records.h"
#include "store/directory.h"

using namespace vto;
using Clock = std::chrono::steady_clock;

namespace {

// The relay's line: remembers when it was last written.
class TimedOutput final : public hal::BinaryOutput {
 public:
  void write(bool on) override {
    if (on) written = Clock::now();
  }
  Clock::time_point written;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

std::string hex_number(std::uint64_t n) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08llX", static_cast<unsigned long long>(n));
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n_records = 1'000'000, n_cards = 100'000;
  std::string base = "/tmp";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--records") n_records = std::stoul(argv[i + 1]);
    if (a == "--cards") n_cards = std::stoul(argv[i + 1]);
    if (a == "--dir") base = argv[i + 1];
  }
  core::set_log_level("error");
  const std::filesystem::path dir =
      std::filesystem::path(base) / ("openvto-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  struct Cleanup {
    std::filesystem::path p;
    ~Cleanup() { std::filesystem::remove_all(p); }
  } cleanup{dir};

  auto db = store::Database::open(dir.string());
  auto writer = records::RecordWriter::open(dir.string());
  if (!db || !writer) {
    std::cerr << "bench_access: cannot open the database\n";
    return 1;
  }
  store::Directory directory(**db);
  for (const char* room : {"101", "102", "201", "202"}) {
    (void)directory.add_room({room, "", "", "", "public", "Room-pass1"});
  }
  (*writer)->set_cap(std::string(records::UnlockRecords::kTable), n_records + 1000);
  records::UnlockRecords unlocks(**db, **writer);

  // 1. Decisions with n_cards cards.
  access::Cards cards(**db);
  {
    std::vector<access::Card> all;
    for (std::size_t i = 0; i < n_cards; ++i) {
      all.push_back({hex_number(0x10000000 + i * 7), i % 2 ? "101" : "202",
                     "Holder " + std::to_string(i), 0, 0, access::CardStatus::Normal});
    }
    if (auto r = cards.import(all); !r) {
      std::cerr << "bench_access: " << r.error().message << "\n";
      return 1;
    }
  }
  access::Fingerprints prints(**db);
  access::KeypadCodes codes(**db);
  const access::KeypadHasher hasher(std::array<std::uint8_t, 16>{1});
  core::ManualTimers timers;
  TimedOutput line;
  hal::TimedLockRelay lock(timers, line);
  access::AccessControl control(
      {cards, prints, codes, hasher, unlocks}, timers,
      [] { return std::int64_t{1'800'000'000'000}; }, [](auto hash, auto done) { done(hash()); },
      nullptr, {});
  control.set_devices(&lock, nullptr);
  std::mt19937_64 rng(42);
  std::vector<double> decide_us;
  for (int i = 0; i < 20000; ++i) {
    const std::string number = hex_number(0x10000000 + (rng() % n_cards) * 7);
    lock.close();
    timers.advance(std::chrono::seconds(1));
    const auto t0 = Clock::now();
    const auto answer = control.card(number);
    if (!answer.granted) {
      std::cerr << "bench_access: card " << number << " refused: " << answer.text << "\n";
      return 1;
    }
    decide_us.push_back(std::chrono::duration<double, std::micro>(line.written - t0).count());
  }
  unlocks.flush();
  std::printf("decision: %zu cards, 20000 presentations: p50 %.1f us, p99 %.1f us, max %.1f us\n",
              n_cards, percentile(decide_us, 0.5), percentile(decide_us, 0.99),
              percentile(decide_us, 1.0));
  std::printf("SUMMARY access-decision-p99-us %.1f (goal < 1000)\n", percentile(decide_us, 0.99));

  // 2. Sustained inserts through the writer (what access control does per attempt).
  {
    const std::size_t n = std::min<std::size_t>(n_records, 300'000);
    static const char* methods[] = {"card",        "fingerprint", "password",
                                    "exit_button", "remote",      "monitor"};
    static const char* rooms[] = {"101", "102", "201", "202"};
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < n; ++i) {
      unlocks.add({0, static_cast<std::int64_t>(1'700'000'000'000 + i * 1000), methods[i % 6],
                   "****" + std::to_string(1000 + i % 9000), "", rooms[i % 4],
                   i % 10 == 0 ? "refused" : "granted", i % 10 == 0 ? "unknown card" : ""});
    }
    unlocks.flush();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("inserts: %zu unlock records in %.2f s through the writer (%llu commits): %.0f/s\n",
                n, s, static_cast<unsigned long long>((*writer)->commits()),
                static_cast<double>(n) / s);
    std::printf("SUMMARY record-inserts-per-second %.0f (goal > 10000)\n",
                static_cast<double>(n) / s);
    // The rest of the million, the same way (not timed).
    for (std::size_t i = n; i < n_records; ++i) {
      unlocks.add({0, static_cast<std::int64_t>(1'700'000'000'000 + i * 1000), methods[i % 6],
                   "****" + std::to_string(1000 + i % 9000), "", rooms[i % 4],
                   i % 10 == 0 ? "refused" : "granted", i % 10 == 0 ? "unknown card" : ""});
    }
    unlocks.flush();
  }

  // 3. First page of filtered searches over the records.
  auto total = unlocks.count({});
  std::printf("search: %zu unlock records\n", total ? *total : 0);
  struct Case {
    const char* name;
    records::UnlockQuery q;
  };
  std::vector<Case> cases;
  cases.push_back({"none", {}});
  {
    records::UnlockQuery q;
    q.method = "card";
    cases.push_back({"method", q});
    q = {};
    q.room = "101";
    cases.push_back({"room", q});
    q = {};
    q.result = "refused";
    cases.push_back({"result", q});
    q = {};
    q.from_ms = 1'700'000'000'000 + 400'000'000;
    q.to_ms = q.from_ms.value() + 86'400'000;
    cases.push_back({"day", q});
    q = {};
    q.method = "card";
    q.result = "refused";
    cases.push_back({"method+result", q});
    q = {};
    q.method = "password";
    q.result = "refused";
    q.room = "102";
    cases.push_back({"method+result+room", q});
  }
  double worst = 0;
  for (auto& c : cases) {
    std::vector<double> ms;
    for (int i = 0; i < 200; ++i) {
      const auto t0 = Clock::now();
      auto page = unlocks.search(c.q);
      auto n = unlocks.count(c.q, records::kCountCap + 1);
      if (!page || !n) {
        std::cerr << "bench_access: search failed\n";
        return 1;
      }
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    auto n = unlocks.count(c.q, records::kCountCap + 1);
    const auto t0 = Clock::now();
    auto exact = unlocks.count(c.q);
    const double exact_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    std::printf(
        "search %-20s first page + total (%s): p50 %.2f ms, p99 %.2f ms; exact count %zu: %.1f "
        "ms\n",
        c.name, *n > records::kCountCap ? "more than 10000" : std::to_string(*n).c_str(),
        percentile(ms, 0.5), percentile(ms, 0.99), exact ? *exact : 0, exact_ms);
    worst = std::max(worst, percentile(ms, 0.99));
  }
  std::printf("SUMMARY records-search-first-page-p99-ms %.2f (goal < 10)\n", worst);
  return 0;
}
