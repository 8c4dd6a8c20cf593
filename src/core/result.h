// Result<T>: the value of an operation that can fail for an expected reason
// (bad input, network, hardware, database). Programming errors are not Results.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace vto {

// What kind of failure an Error is. Each surface maps the kinds to its own answers (the
// HTTP API to statuses in one table, vtoctl to exit codes); no layer below speaks HTTP.
enum class Errc {
  Other = 0,    // nothing more specific: an unexpected failure
  Invalid,      // a value breaks a rule; the message names the field and the rule
  NotFound,     // no such room, module, record, file...
  Conflict,     // already there, or used elsewhere
  Busy,         // not now: a call or another change is under way; try again when it ends
  Unavailable,  // configured but not there or not working: a module off the bus, a camera
  Unsupported,  // a form or format this station does not take
  Timeout,      // nothing came in time: no finger on the reader, no answer from a device
  Io,           // the database, a file or a device failed
};

struct Error {
  std::string message;
  int code = 0;  // a protocol's own code where one is answered: a SIP status, an exit code
  Errc errc = Errc::Other;
};

inline Error make_error(std::string message, int code = 0) {
  return Error{std::move(message), code, Errc::Other};
}

inline Error make_error(std::string message, Errc errc) {
  return Error{std::move(message), 0, errc};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace vto
