#include "station/hosted_monitor.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/read_until.hpp>
#include <chrono>
#include <istream>
#include <string_view>
#include <thread>
#include <vector>

#include "core/log.h"

extern char** environ;

namespace vto::station {

namespace asio = boost::asio;
using nlohmann::json;

HostedMonitor::HostedMonitor(asio::io_context& io, std::string vth)
    : io_(io), vth_(std::move(vth)) {}

HostedMonitor::~HostedMonitor() {
  stop();
}

Result<void> HostedMonitor::start(const std::string& user, const std::string& password,
                                  const std::string& server) {
  stop();
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return make_error("monitor: no pipe", Errc::Io);
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return make_error("monitor: no pipe", Errc::Io);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  // The password goes in vth's environment, not on its command line: any local user can
  // read a process's command line (ps), only its owner its environment.
  std::vector<std::string> args = {vth_, "--server", server,       "--user",
                                   user, "--listen", "127.0.0.1:0"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_texts{"VTH_PASSWORD=" + password};
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).starts_with("VTH_PASSWORD=")) continue;
    env_texts.emplace_back(*e);
  }
  std::vector<char*> envp;
  for (auto& e : env_texts) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int spawned =
      ::posix_spawn(&pid, vth_.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  if (spawned != 0) {
    ::close(in[1]);
    ::close(out[0]);
    return make_error("monitor: " + vth_ + " could not be started", Errc::Unavailable);
  }
  pid_ = pid;
  stdin_fd_ = in[1];
  out_ = std::make_unique<asio::posix::stream_descriptor>(io_, out[0]);
  alive_ = std::make_shared<int>(0);
  user_ = user;
  registered_ = false;
  call_state_ = "idle";
  call_ = 0;
  from_.clear();
  error_.clear();
  media_ = nullptr;
  core::logger("sim")->info("hosted monitor {} started (pid {})", user, pid);
  read_next();
  return {};
}

void HostedMonitor::read_next() {
  asio::async_read_until(
      *out_, buffer_, '\n',
      [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec, std::size_t) {
        if (alive.expired()) return;
        if (ec) {  // it ended
          if (pid_ > 0) error_ = "the monitor program ended";
          reap();
          return;
        }
        std::istream is(&buffer_);
        std::string line;
        std::getline(is, line);
        const json e = json::parse(line, nullptr, false);
        if (e.is_object()) on_event(e);
        read_next();
      });
}

namespace {

// Fields of vth's events, whatever their type: never a throw.
std::string text_at(const json& e, const char* key) {
  auto it = e.find(key);
  return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::uint64_t number_at(const json& e, const char* key) {
  auto it = e.find(key);
  return it != e.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

}  // namespace

void HostedMonitor::on_event(const json& e) {
  const std::string name = text_at(e, "event");
  if (name == "registered") {
    registered_ = true;
  } else if (name == "registration_failed" || name == "unregistered") {
    registered_ = false;
    if (name == "registration_failed") error_ = "registration refused";
  } else if (name == "incoming_call") {
    call_state_ = "ringing";
    call_ = number_at(e, "call");
    from_ = text_at(e, "peer");
    media_ = nullptr;
  } else if (name == "answered") {
    call_state_ = "talking";
  } else if (name == "bye" || name == "cancelled" || name == "rejected") {
    call_state_ = "idle";
    call_ = 0;
  } else if (name == "media") {
    media_ = e;
  } else if (name == "error") {
    error_ = text_at(e, "message");
  }
}

Result<void> HostedMonitor::write(const std::string& line) {
  if (pid_ <= 0 || stdin_fd_ < 0) return make_error("no monitor running", Errc::Conflict);
  const std::string text = line + "\n";
  if (::write(stdin_fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    return make_error("the monitor does not take commands", Errc::Unavailable);
  }
  return {};
}

Result<void> HostedMonitor::answer() {
  if (call_state_ != "ringing")
    return make_error("no call is ringing at the monitor", Errc::Conflict);
  return write("answer " + std::to_string(call_));
}

Result<void> HostedMonitor::hang_up() {
  if (call_state_ == "idle") return make_error("the monitor has no call", Errc::Conflict);
  return write(std::string(call_state_ == "ringing" ? "reject " : "hangup ") +
               std::to_string(call_));
}

Result<void> HostedMonitor::send_digits(const std::string& digits) {
  if (call_state_ != "talking") return make_error("the monitor is not in a call", Errc::Conflict);
  return write("info " + digits);
}

void HostedMonitor::stop() {
  alive_ = std::make_shared<int>(0);  // the pending read does nothing
  if (out_) {
    boost::system::error_code ignored;
    out_->close(ignored);
    out_.reset();
  }
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    reap();
  }
  registered_ = false;
  call_state_ = "idle";
  call_ = 0;
}

void HostedMonitor::reap() {
  if (pid_ <= 0) return;
  // vth stops within a moment of SIGTERM (it unregisters first); then SIGKILL.
  for (int i = 0; i < 40; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    if (i == 20) ::kill(pid_, SIGKILL);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

json HostedMonitor::state() const {
  json s{{"running", pid_ > 0}, {"user", user_}, {"registered", registered_},
         {"call", call_state_}, {"from", from_}, {"error", error_}};
  if (!media_.is_null()) s["media"] = media_;
  return s;
}

}  // namespace vto::station
