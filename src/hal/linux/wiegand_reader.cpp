#include "hal/linux/wiegand_reader.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <gpiod.hpp>
#include <system_error>
#include <thread>
#include <vector>

#include "core/log.h"
#include "hal/linux/gpio_output.h"
#include "hal/linux/wiegand.h"

namespace vto::hal::linux_board {

struct WiegandReader::State {
  State(boost::asio::io_context& i, OnFrame f) : io(i), on_frame(std::move(f)) {}
  boost::asio::io_context& io;
  OnFrame on_frame;
  gpiod::line d0, d1;
  int stop_fd = -1;  // an eventfd: written once to end the thread
  std::shared_ptr<std::atomic<bool>> alive = std::make_shared<std::atomic<bool>>(true);
  std::thread thread;

  void run();
  void post(Result<std::string> frame);
};

namespace {

std::int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The line, requested for its falling edges: Wiegand lines idle high and pulse low.
Result<gpiod::line> request_edges(const GpioLine& where) {
  auto line = find_free_line(where);
  if (!line) return line.error();
  line->request({"openvto", gpiod::line_request::EVENT_FALLING_EDGE, {}});
  return line;
}

}  // namespace

Result<std::unique_ptr<WiegandReader>> WiegandReader::open(boost::asio::io_context& io,
                                                           const GpioLine& d0, const GpioLine& d1,
                                                           OnFrame on_frame) {
  auto state = std::make_shared<State>(io, std::move(on_frame));
  for (auto [where, line] : {std::pair{&d0, &state->d0}, std::pair{&d1, &state->d1}}) {
    try {
      auto found = request_edges(*where);
      if (!found) return found.error();
      *line = *found;
    } catch (const std::system_error& e) {
      return make_error(describe(*where) + ": " + std::strerror(e.code().value()));
    } catch (const std::exception& e) {
      return make_error(describe(*where) + ": " + e.what());
    }
  }
  state->stop_fd = ::eventfd(0, EFD_CLOEXEC);
  if (state->stop_fd < 0) return make_error(std::string("eventfd: ") + std::strerror(errno));
  state->thread = std::thread([s = state.get()] { s->run(); });
  return std::unique_ptr<WiegandReader>(new WiegandReader(state));
}

WiegandReader::~WiegandReader() {
  state_->alive->store(false);
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(state_->stop_fd, &one, sizeof one);
  state_->thread.join();
  ::close(state_->stop_fd);
  state_->d0.release();
  state_->d1.release();
}

void WiegandReader::State::post(Result<std::string> frame) {
  boost::asio::post(io, [alive = alive, fn = on_frame, frame = std::move(frame)] {
    if (alive->load()) fn(frame);
  });
}

void WiegandReader::State::run() {
  struct Edge {
    std::int64_t t_ns;
    bool one;
  };
  WiegandFrames frames;
  std::vector<Edge> pending;
  const int fds[2] = {d0.event_get_fd(), d1.event_get_fd()};
  for (;;) {
    pollfd p[3] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}, {stop_fd, POLLIN, 0}};
    // Wake at each edge, and when a frame in progress has had its pause: it ends then.
    int wait_ms = -1;
    if (auto end = frames.deadline(); end && pending.empty()) {
      wait_ms =
          static_cast<int>(std::max<std::int64_t>(0, (*end - monotonic_ns()) / 1'000'000 + 1));
    } else if (!pending.empty()) {
      wait_ms = 1;  // edges held back for the next round
    }
    const int ready = ::poll(p, 3, wait_ms);
    if (ready < 0 && errno != EINTR) {
      core::logger("hal")->error("Wiegand reader: poll: {}", std::strerror(errno));
      return;
    }
    if (p[2].revents) return;
    // Every edge stamped before `cut` is in the kernel's queues now: read both queues dry,
    // then decode those edges in time order. Later ones wait for the next round, so an edge
    // on one line never overtakes an earlier edge on the other.
    const std::int64_t cut = monotonic_ns();
    for (int i = 0; i < 2; ++i) {
      const gpiod::line& line = i == 0 ? d0 : d1;
      for (;;) {
        pollfd q{fds[i], POLLIN, 0};
        if (::poll(&q, 1, 0) <= 0) break;
        try {
          for (const gpiod::line_event& e : line.event_read_multiple())
            pending.push_back({e.timestamp.count(), i == 1});
        } catch (const std::exception& e) {
          core::logger("hal")->error("Wiegand reader: {}", e.what());
          return;
        }
      }
    }
    std::stable_sort(pending.begin(), pending.end(),
                     [](const Edge& a, const Edge& b) { return a.t_ns < b.t_ns; });
    std::size_t used = 0;
    for (; used < pending.size() && pending[used].t_ns <= cut; ++used) {
      if (auto frame = frames.edge(pending[used].one, pending[used].t_ns)) post(std::move(*frame));
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(used));
    if (pending.empty()) {
      if (auto frame = frames.flush(cut)) post(std::move(*frame));
    }
  }
}

}  // namespace vto::hal::linux_board
