#include "station/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>
#include <memory>

namespace vto::station {
namespace {

// One running child: its pid, a pidfd that becomes readable when it exits, its output file
// and the timer of its limit.
struct Child {
  Child(boost::asio::io_context& io, int pidfd) : exited(io, pidfd), limit(io) {}
  ~Child() {
    if (out >= 0) ::close(out);
  }
  std::vector<std::string> argv;
  pid_t pid = 0;
  int out = -1;
  boost::asio::posix::stream_descriptor exited;
  boost::asio::steady_timer limit;
  std::function<void(Result<ChildOutcome>)> done;
  bool finished = false;

  void finish(Result<ChildOutcome> outcome) {
    if (finished) return;
    finished = true;
    limit.cancel();
    boost::system::error_code ignored;
    exited.close(ignored);
    auto d = std::move(done);
    d(std::move(outcome));
  }
};

}  // namespace

std::string command_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

void run_child(boost::asio::io_context& io, std::vector<std::string> argv, core::Duration limit,
               std::function<void(Result<ChildOutcome>)> done) {
  char path[] = "/tmp/vtod-child-XXXXXX";
  const int out = ::mkstemp(path);
  if (out < 0) return done(make_error(std::string("no temporary file: ") + std::strerror(errno)));
  ::unlink(path);
  std::vector<char*> c_argv;
  for (auto& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out, 1);
  posix_spawn_file_actions_adddup2(&actions, out, 2);
  char* empty_env[] = {nullptr};
  pid_t pid = 0;
  const int spawned =
      ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, c_argv.data(), empty_env);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    ::close(out);
    return done(make_error("cannot run " + argv[0] + ": " + std::strerror(spawned)));
  }
  // A descriptor that becomes readable when the child exits (Linux 5.3).
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    const int err = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ::close(out);
    return done(make_error("cannot watch " + argv[0] + ": " + std::strerror(err)));
  }
  auto child = std::make_shared<Child>(io, pidfd);
  child->argv = std::move(argv);
  child->pid = pid;
  child->out = out;
  child->done = std::move(done);
  child->exited.async_wait(
      boost::asio::posix::stream_descriptor::wait_read, [child](boost::system::error_code) {
        if (child->finished) return;
        int status = 0;
        while (::waitpid(child->pid, &status, 0) < 0 && errno == EINTR) {
        }
        std::string printed(4096, '\0');
        const ssize_t n = ::pread(child->out, printed.data(), printed.size(), 0);
        printed.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
        while (!printed.empty() && (printed.back() == '\n' || printed.back() == ' '))
          printed.pop_back();
        child->finish(ChildOutcome{WIFEXITED(status) ? WEXITSTATUS(status) : 128, printed});
      });
  child->limit.expires_after(limit);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(limit).count();
  const std::string within =
      ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
  child->limit.async_wait([child, within](boost::system::error_code ec) {
    if (ec || child->finished) return;
    ::kill(child->pid, SIGKILL);
    ::waitpid(child->pid, nullptr, 0);
    child->finish(make_error(command_line(child->argv) + ": no answer within " + within));
  });
}

}  // namespace vto::station
