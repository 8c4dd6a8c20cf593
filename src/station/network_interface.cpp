#include "station/network_interface.h"

#include "station/child_process.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>

namespace vto::station {
namespace {

constexpr auto kRunLimit = std::chrono::seconds(5);

std::string find_ip_tool() {
  for (const char* path : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "/usr/sbin/ip";
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

NetworkInterface::NetworkInterface(boost::asio::io_context& io, std::string interface,
                                   std::string resolv_conf)
    : io_(io),
      interface_(std::move(interface)),
      resolv_conf_(std::move(resolv_conf)),
      ip_tool_(find_ip_tool()) {}

void NetworkInterface::apply(const InterfaceAddresses& a,
                             std::function<void(Result<void>)> done) const {
  auto runs = ip_commands(interface_, a);
  // No gateway: no default route through this interface (absent already is fine).
  if (a.gateway.empty()) runs.push_back({"-4", "route", "del", "default", "dev", interface_});
  run_from(std::make_shared<std::vector<std::vector<std::string>>>(std::move(runs)), 0,
           a.gateway.empty(), a, std::move(done));
}

void NetworkInterface::clear(std::function<void(Result<void>)> done) const {
  auto runs =
      std::make_shared<std::vector<std::vector<std::string>>>(std::vector<std::vector<std::string>>{
          {"-4", "addr", "flush", "dev", interface_, "scope", "global"},
          {"-4", "route", "del", "default", "dev", interface_}});
  run_from(std::move(runs), 0, true, InterfaceAddresses{}, std::move(done));
}

void NetworkInterface::run_from(std::shared_ptr<std::vector<std::vector<std::string>>> runs,
                                std::size_t next, bool last_may_fail, InterfaceAddresses a,
                                std::function<void(Result<void>)> done) const {
  if (next == runs->size()) return done(write_resolv_conf(a));
  std::vector<std::string> argv{ip_tool_};
  const auto& args = (*runs)[next];
  argv.insert(argv.end(), args.begin(), args.end());
  run_child(io_, std::move(argv), kRunLimit,
            [this, runs, next, last_may_fail, a = std::move(a),
             done = std::move(done)](Result<ChildOutcome> ran) mutable {
              const bool optional = last_may_fail && next + 1 == runs->size();
              const auto& ran_args = (*runs)[next];
              if (!ran && !optional) return done(ran.error());
              if (ran && ran->first != 0 && !optional) {
                return done(make_error(
                    "ip " + command_line(ran_args) + ": " +
                    (ran->second.empty() ? "exit " + std::to_string(ran->first) : ran->second)));
              }
              run_from(runs, next + 1, last_may_fail, std::move(a), std::move(done));
            });
}

Result<void> NetworkInterface::write_resolv_conf(const InterfaceAddresses& a) const {
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
