#include "hal/sim/sim_fingerprint_reader.h"

#include <algorithm>

namespace vto::hal::sim {
namespace {

constexpr std::string_view kMarker = "sim-finger:";

}  // namespace

Result<void> check_finger_name(std::string_view name) {
  if (name.empty() || name.size() > kFingerNameMax) {
    return make_error("finger: 1 to " + std::to_string(kFingerNameMax) + " characters",
                      Errc::Invalid);
  }
  const bool control = std::any_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (control) return make_error("finger: no control characters", Errc::Invalid);
  return {};
}

std::vector<std::uint8_t> sim_template(std::string_view name) {
  std::string text(kMarker);
  text += name;
  return {text.begin(), text.end()};
}

void SimFingerprintReader::enrol(EnrolDone done) {
  cancel_enrol();
  enrol_ = std::move(done);
}

void SimFingerprintReader::cancel_enrol() {
  if (!enrol_) return;
  auto waiting = std::move(enrol_);
  enrol_ = nullptr;
  waiting(make_error("enrolment cancelled", Errc::Unavailable));
}

Result<void> SimFingerprintReader::touch(std::string_view name) {
  if (auto ok = check_finger_name(name); !ok) return ok;
  const auto t = sim_template(name);
  if (enrol_) {
    auto done = std::move(enrol_);
    enrol_ = nullptr;
    done(t);
    return {};
  }
  FingerScan scan;
  for (const EnrolledPrint& p : prints_) {
    if (!p.label.empty() && p.label == name) {
      scan.match = p.id;
      break;
    }
  }
  for (const EnrolledPrint& p : prints_) {
    if (scan.match) break;
    if (p.template_data == t) scan.match = p.id;
  }
  listeners_.emit(scan);
  return {};
}

Result<std::string> SimFingerprintReader::touch_new() {
  const auto known = [this](const std::string& name) {
    const auto t = sim_template(name);
    return std::any_of(prints_.begin(), prints_.end(), [&](const EnrolledPrint& p) {
      return p.template_data == t || p.label == name;
    });
  };
  std::string name;
  do {
    name = "new finger " + std::to_string(++new_fingers_);
  } while (known(name));
  if (auto ok = touch(name); !ok) return ok.error();
  return name;
}

std::vector<std::string> SimFingerprintReader::enrolled_names() const {
  std::vector<std::string> names;
  for (const EnrolledPrint& p : prints_) {
    const auto& t = p.template_data;
    if (!p.label.empty()) {
      names.push_back(p.label);
    } else if (t.size() > kMarker.size() && std::equal(kMarker.begin(), kMarker.end(), t.begin())) {
      names.emplace_back(t.begin() + static_cast<std::ptrdiff_t>(kMarker.size()), t.end());
    }
  }
  return names;
}

}  // namespace vto::hal::sim
