// The web interface's password rules, as a pure check the
// API runs before it hashes a new password. The first broken rule is reported, in a fixed
// order, with a message that names the rule in plain words and never echoes the password.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vto::accounts {

inline constexpr std::size_t kMinPasswordLength = 8;
inline constexpr std::size_t kMaxPasswordLength = 64;

// In the order they are checked.
enum class PasswordRule {
  Characters,  // printable ASCII only (0x20-0x7e): no control characters, no non-ASCII
  Length,      // 8 to 64 characters
  Classes,     // at least two of: lower-case, upper-case, digits, other printable characters
  UserName,    // not the user name, nor the user name reversed (case-insensitively)
  Repeat,      // no character three times in a row ("111", "aaa"; "aAa" counts too)
  Sequence,    // no run of three ascending or descending digits or letters ("123", "cba", "xYz")
};

struct RuleViolation {
  PasswordRule rule;
  std::string message;  // e.g. "at least 8 characters"; never contains the password
};

// Stable machine id of a rule for the JSON API: "characters", "length", "classes",
// "user_name", "repeat", "sequence".
std::string_view rule_id(PasswordRule rule);

// The first rule `password` breaks for the account `user_name`, or nothing when it is fine.
std::optional<RuleViolation> check_password(std::string_view password, std::string_view user_name);

}  // namespace vto::accounts
