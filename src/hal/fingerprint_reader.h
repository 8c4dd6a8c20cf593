// FingerprintReader: the fingerprint module. The core hands it the enrolled prints (an id
// and the template the module made when the finger was enrolled); the module compares each
// finger laid on it with them and emits the id that matched, or no id for a finger it does
// not know; or it enrols the next finger, making its template. Matching stays in the module (the
// sensor's own algorithm, or libfprint's on a Linux board), so the core never compares templates
// itself.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "hal/listeners.h"

namespace vto::hal {

struct EnrolledPrint {
  std::uint64_t id = 0;                     // the credential's id in the core
  std::vector<std::uint8_t> template_data;  // as the module produced it at enrolment
  std::string label;  // how people know it ("print 3: Bob, room 102, right index"), for a
                      // module that shows its prints (the virtual panel); may be empty
};

struct FingerScan {
  std::optional<std::uint64_t> match;  // the enrolled print's id, nullopt: not recognised

  bool operator==(const FingerScan&) const = default;
};

class FingerprintReader {
 public:
  using Listener = std::function<void(const FingerScan&)>;
  using EnrolDone = std::function<void(Result<std::vector<std::uint8_t>>)>;

  virtual ~FingerprintReader() = default;
  // Replaces the prints fingers are compared with (empty: every finger is unknown).
  virtual void set_enrolled(std::vector<EnrolledPrint> prints) = 0;
  virtual ListenerId add_listener(Listener fn) = 0;
  virtual void remove_listener(ListenerId id) = 0;
  // Enrolment: the next finger laid on the sensor is not compared but made into a
  // template, handed to `done` (and listeners hear nothing of it). A new enrol() ends the
  // one waiting (its `done` gets an error); so does cancel_enrol().
  virtual void enrol(EnrolDone done) = 0;
  virtual void cancel_enrol() = 0;
};

using FingerprintReaderPtr = std::unique_ptr<FingerprintReader>;

}  // namespace vto::hal
