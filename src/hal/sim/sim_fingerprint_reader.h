// SimFingerprintReader: the fingerprint module of the virtual panel. A simulated finger is
// a name ("Anna, right index"); its template is that name behind a marker, so the virtual
// panel can list the enrolled fingers and a touch matches the print enrolled from the
// same name. The virtual panel lists enrolled prints by the label the core gave them, and a
// touch by that label is the enrolled finger; touch_new() is a finger never seen before.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "hal/fingerprint_reader.h"

namespace vto::hal::sim {

inline constexpr std::size_t kFingerNameMax = 100;  // a label: owner, room and finger

// 1 to 100 characters, no control characters; an error names the rule broken.
Result<void> check_finger_name(std::string_view name);

// The template the simulated module makes for the finger `name`.
std::vector<std::uint8_t> sim_template(std::string_view name);

class SimFingerprintReader final : public FingerprintReader {
 public:
  void set_enrolled(std::vector<EnrolledPrint> prints) override { prints_ = std::move(prints); }
  ListenerId add_listener(Listener fn) override { return listeners_.add(std::move(fn)); }
  void remove_listener(ListenerId id) override { listeners_.remove(id); }
  void enrol(EnrolDone done) override;
  void cancel_enrol() override;
  bool enrolling() const { return static_cast<bool>(enrol_); }

  // Lays the finger `name` on the sensor: emits the enrolled print it matches, if any; or,
  // while enrolling, hands its template to the enrolment.
  Result<void> touch(std::string_view name);

  // Lays a finger on the sensor that is not enrolled (while enrolling: the new finger), named
  // "new finger N" with N not yet used; the name is returned.
  Result<std::string> touch_new();

  // The enrolled simulated fingers, in enrolment order: each one's label, or its name when it
  // has no label. touch() with one of them is that finger.
  std::vector<std::string> enrolled_names() const;

 private:
  unsigned new_fingers_ = 0;
  std::vector<EnrolledPrint> prints_;
  Listeners<const FingerScan&> listeners_;
  EnrolDone enrol_;
};

}  // namespace vto::hal::sim
