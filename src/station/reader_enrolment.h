// The card reader and fingerprint module in front of the access control: the API can ask
// for the next card read or finger laid (to add a card, to enrol a print) instead of it
// opening the door.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "access/access_control.h"
#include "core/result.h"
#include "core/timers.h"
#include "device/access.h"
#include "hal/card_reader.h"
#include "hal/fingerprint_reader.h"

namespace vto::station {

// The access control seen by the panel, with the enrolment of the readers in front of it:
// while the API waits for a card to be read (or a finger to be enrolled), the next card
// (finger) goes to that request instead of opening the door.
class ReaderEnrolment final : public device::Access {
 public:
  ReaderEnrolment(access::AccessControl& access, core::Timers& timers)
      : access_(access), timers_(timers) {}
  ~ReaderEnrolment() override;

  // The readers in use (they change with the facade); nullptr: none.
  void set_readers(hal::CardReader* cards, hal::FingerprintReader* fingers);
  hal::CardReader* card_reader() const { return cards_; }
  hal::FingerprintReader* fingerprint_reader() const { return fingers_; }

  // Hands the next card read within `timeout` to `done`, or an error: Errc::Timeout when none
  // came ("... within 30 s"), Errc::Busy when a new wait or cancel_waits() ended it.
  void read_card(core::Duration timeout, std::function<void(Result<std::string>)> done);
  // Enrols the next finger within `timeout`: its template, or an error (Errc::Timeout when
  // none came, Errc::Busy when cancelled).
  void enrol_finger(core::Duration timeout,
                    std::function<void(Result<std::vector<std::uint8_t>>)> done);
  // Ends the waits for a card and a finger (the Cancel of the web interface); true if one
  // was waiting.
  bool cancel_waits();
  // Whether a read_card() waits now (the virtual panel shows it, and tests wait for it).
  bool reading_card() const { return static_cast<bool>(card_wait_); }

  device::AccessAnswer card(const std::string& number) override;
  device::AccessAnswer finger(const hal::FingerScan& scan) override { return access_.finger(scan); }
  void password(const std::string& code, std::function<void(device::AccessAnswer)> done) override {
    access_.password(code, std::move(done));
  }
  device::AccessAnswer monitor_code(const std::string& device, std::uint64_t call,
                                    const std::string& entry) override {
    return access_.monitor_code(device, call, entry);
  }
  void call_ended(std::uint64_t call) override { access_.call_ended(call); }

 private:
  void end_card_wait(Result<std::string> number);

  access::AccessControl& access_;
  core::Timers& timers_;
  hal::CardReader* cards_ = nullptr;
  hal::FingerprintReader* fingers_ = nullptr;
  std::function<void(Result<std::string>)> card_wait_;
  std::optional<core::Timers::Id> card_timer_;
  std::optional<core::Timers::Id> finger_timer_;
  bool finger_cancelled_ = false;  // cancel_waits() ended the enrolment
};

}  // namespace vto::station
