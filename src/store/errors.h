// Error codes carried in Error::code by the store, shaped like HTTP statuses so the web
// API can answer with them as they are and vtoctl can tell a rule from a database fault.
#pragma once

namespace vto::store {

inline constexpr int kInvalid = 400;   // a field breaks a rule; the message names both
inline constexpr int kNotFound = 404;  // no such room, VTO...
inline constexpr int kConflict = 409;  // duplicate, or a number already used elsewhere
inline constexpr int kDatabase = 500;  // the database itself failed (I/O, corrupt, busy)

}  // namespace vto::store
