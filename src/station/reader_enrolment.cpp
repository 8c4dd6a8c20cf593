#include "station/reader_enrolment.h"

#include <chrono>
#include <memory>

namespace vto::station {

namespace {

std::string seconds_text(core::Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

Error cancelled(const char* what) {
  return make_error(std::string(what) + " cancelled", Errc::Busy);
}

}  // namespace

ReaderEnrolment::~ReaderEnrolment() {
  end_card_wait(cancelled("reading the card"));
  set_readers(nullptr, nullptr);
}

void ReaderEnrolment::set_readers(hal::CardReader* cards, hal::FingerprintReader* fingers) {
  if (fingers_ != nullptr && fingers_ != fingers) fingers_->cancel_enrol();
  cards_ = cards;
  fingers_ = fingers;
}

void ReaderEnrolment::read_card(core::Duration timeout,
                                std::function<void(Result<std::string>)> done) {
  end_card_wait(cancelled("reading the card"));
  card_wait_ = std::move(done);
  card_timer_ = timers_.start(timeout, [this, timeout] {
    card_timer_.reset();
    end_card_wait(make_error("no card was held to the reader within " + seconds_text(timeout),
                             Errc::Timeout));
  });
}

bool ReaderEnrolment::cancel_waits() {
  const bool waiting = static_cast<bool>(card_wait_) || finger_timer_.has_value();
  end_card_wait(cancelled("reading the card"));
  if (finger_timer_ && fingers_ != nullptr) {
    finger_cancelled_ = true;
    fingers_->cancel_enrol();
    finger_cancelled_ = false;
  }
  return waiting;
}

void ReaderEnrolment::end_card_wait(Result<std::string> number) {
  if (card_timer_) timers_.cancel(*card_timer_);
  card_timer_.reset();
  if (!card_wait_) return;
  auto done = std::move(card_wait_);
  card_wait_ = nullptr;
  done(std::move(number));
}

device::AccessAnswer ReaderEnrolment::card(const std::string& number) {
  if (card_wait_) {
    end_card_wait(number);
    return {false, "Card read"};
  }
  return access_.card(number);
}

void ReaderEnrolment::enrol_finger(core::Duration timeout,
                                   std::function<void(Result<std::vector<std::uint8_t>>)> done) {
  if (fingers_ == nullptr) {
    done(make_error("no fingerprint module in the facade", Errc::Conflict));
    return;
  }
  if (finger_timer_) timers_.cancel(*finger_timer_);
  finger_timer_.reset();
  auto shared = std::make_shared<decltype(done)>(std::move(done));
  auto timed_out = std::make_shared<bool>(false);
  fingers_->enrol([this, shared, timed_out, timeout](Result<std::vector<std::uint8_t>> r) {
    if (finger_timer_) timers_.cancel(*finger_timer_);
    finger_timer_.reset();
    if (!r && *timed_out) {
      r = make_error("no finger was laid on the fingerprint module within " + seconds_text(timeout),
                     Errc::Timeout);
    } else if (!r && finger_cancelled_) {
      r = cancelled("enrolling the finger");
    }
    if (*shared) (*shared)(std::move(r));
    *shared = nullptr;
  });
  finger_timer_ = timers_.start(timeout, [this, timed_out] {
    finger_timer_.reset();
    *timed_out = true;
    if (fingers_ != nullptr) fingers_->cancel_enrol();
  });
}

}  // namespace vto::station
