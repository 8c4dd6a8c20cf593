#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>

namespace vto::core {

std::shared_ptr<spdlog::logger> logger(const std::string& name) {
  // Threads ask for the same logger at once (the record writer's thread and the core thread
  // both want "records" at start): only one may make it, or spdlog throws "already exists".
  static std::mutex making;
  std::lock_guard lock(making);
  if (auto existing = spdlog::get(name)) return existing;
  auto created = spdlog::stderr_color_mt(name);
  created->set_level(spdlog::get_level());
  return created;
}

void set_log_level(const std::string& level) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") return;
  spdlog::set_level(parsed);
}

}  // namespace vto::core
