// Error codes carried in Error::code by the HAL, shaped like HTTP statuses so the web API
// (virtual panel) can answer with them as they are.
#pragma once

namespace vto::hal {

inline constexpr int kInvalid = 400;        // unknown key, button number out of range...
inline constexpr int kUnavailable = 503;    // the module is configured but missing from the bus
inline constexpr int kNotConfigured = 404;  // no such module in the facade layout

}  // namespace vto::hal
