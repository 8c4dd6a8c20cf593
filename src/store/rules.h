// The field rules of the numbering plan and the household settings, as pure checks any
// caller can run before the store does.
// Each failure is a Errc::Invalid Error whose message names the field and the rule,
// e.g. `room number "12345678": 1-6 letters or digits`. Passwords are never echoed.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/result.h"

namespace vto::store {

inline constexpr std::string_view kCentreNumber = "888888";
inline constexpr std::size_t kMinPasswordLength = 6;
inline constexpr std::size_t kMaxPasswordLength = 32;
inline constexpr std::size_t kMaxNameLength = 32;  // characters (UTF-8 code points)

Result<void> check_vto_number(std::string_view number);   // 1-5 digits
Result<void> check_room_number(std::string_view number);  // 1-6 ASCII letters or digits, not 888888
// 6-32 printable ASCII characters, without spaces, '"' or '\'. `field` names it in errors.
Result<void> check_password(std::string_view field, std::string_view password);
// Empty, or at most 32 characters of valid UTF-8 without control characters.
Result<void> check_name(std::string_view field, std::string_view name);
Result<void> check_register_type(std::string_view type);  // "public" or "local"
// Empty, or 1-3 digits (building and unit numbers).
Result<void> check_building_or_unit(std::string_view field, std::string_view value);
Result<void> check_ip(std::string_view ip);  // empty, or an IPv4 or IPv6 literal

}  // namespace vto::store
