// Logging: spdlog, one named logger per subsystem ("sip", "registrar", "store"...).
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace vto::core {

// Returns the logger for a subsystem, created on first use (console sink, stderr).
std::shared_ptr<spdlog::logger> logger(const std::string& name);

// Sets the level of every logger, e.g. "info", "debug"; unknown names keep the current level.
void set_log_level(const std::string& level);

}  // namespace vto::core
