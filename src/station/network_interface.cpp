#include "station/network_interface.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

namespace vto::station {
namespace {

constexpr auto kRunLimit = std::chrono::seconds(5);

std::string find_ip_tool() {
  for (const char* path : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "/usr/sbin/ip";
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

// Runs `tool argv...` with no shell, stdin from /dev/null, stdout and stderr into a
// temporary file; the exit status and what it printed, or an error when it could not be
// run or overran kRunLimit (then it is killed).
Result<std::pair<int, std::string>> run(const std::string& tool,
                                        const std::vector<std::string>& args) {
  char path[] = "/tmp/vtod-ip-XXXXXX";
  const int out = ::mkstemp(path);
  if (out < 0) return make_error(std::string("ip: no temporary file: ") + std::strerror(errno));
  ::unlink(path);
  std::vector<std::string> argv{tool};
  argv.insert(argv.end(), args.begin(), args.end());
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
      ::posix_spawn(&pid, tool.c_str(), &actions, nullptr, c_argv.data(), empty_env);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    ::close(out);
    return make_error("cannot run " + tool + ": " + std::strerror(spawned));
  }
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + kRunLimit;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ::close(out);
      return make_error(joined(argv) + ": no answer within 5 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::string printed(4096, '\0');
  const ssize_t n = ::pread(out, printed.data(), printed.size(), 0);
  printed.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  ::close(out);
  while (!printed.empty() && (printed.back() == '\n' || printed.back() == ' ')) printed.pop_back();
  return std::pair{WIFEXITED(status) ? WEXITSTATUS(status) : 128, printed};
}

}  // namespace

Result<void> check_interface_name(std::string_view name) {
  if (name.empty() || name.size() > 15 || name == "." || name == "..") {
    return make_error("network interface: 1 to 15 characters");
  }
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return make_error("network interface: letters, digits, '_', '-' and '.' only");
  }
  return {};
}

int prefix_length(const std::string& mask) {
  in_addr a{};
  if (::inet_pton(AF_INET, mask.c_str(), &a) != 1) return 0;
  return __builtin_popcount(ntohl(a.s_addr));
}

std::vector<std::vector<std::string>> ip_commands(const std::string& interface,
                                                  const InterfaceAddresses& a) {
  std::vector<std::vector<std::string>> runs{
      {"-4", "addr", "flush", "dev", interface, "scope", "global"},
      {"-4", "addr", "add", a.ip + "/" + std::to_string(prefix_length(a.mask)), "dev", interface},
      {"link", "set", "dev", interface, "up"},
  };
  if (!a.gateway.empty()) {
    runs.push_back({"-4", "route", "replace", "default", "via", a.gateway, "dev", interface});
  }
  return runs;
}

std::string resolv_conf_text(const InterfaceAddresses& a) {
  std::string text = "# Written by vtod from Network Setting > Basic; changes here are replaced.\n";
  for (const std::string* dns : {&a.dns1, &a.dns2}) {
    if (!dns->empty()) text += "nameserver " + *dns + "\n";
  }
  return text;
}

NetworkInterface::NetworkInterface(std::string interface, std::string resolv_conf)
    : interface_(std::move(interface)),
      resolv_conf_(std::move(resolv_conf)),
      ip_tool_(find_ip_tool()) {}

Result<void> NetworkInterface::apply(const InterfaceAddresses& a) const {
  for (const auto& args : ip_commands(interface_, a)) {
    auto ran = run(ip_tool_, args);
    if (!ran) return ran.error();
    if (ran->first != 0) {
      return make_error("ip " + joined(args) + ": " +
                        (ran->second.empty() ? "exit " + std::to_string(ran->first) : ran->second));
    }
  }
  if (a.gateway.empty()) {
    // No gateway: no default route through this interface (absent already is fine).
    (void)run(ip_tool_, {"-4", "route", "del", "default", "dev", interface_});
  }
  if (resolv_conf_.empty()) return {};
  const std::string tmp = resolv_conf_ + ".vtod-new";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << resolv_conf_text(a);
    out.flush();
    if (!out) return make_error("DNS: cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::permissions(tmp, std::filesystem::perms(0644), ec);
  std::filesystem::rename(tmp, resolv_conf_, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return make_error("DNS: cannot replace " + resolv_conf_);
  }
  return {};
}

}  // namespace vto::station
