#include "station/reader_enrolment.h"

#include <memory>

namespace vto::station {

ReaderEnrolment::~ReaderEnrolment() {
  end_card_wait(std::nullopt);
  set_readers(nullptr, nullptr);
}

void ReaderEnrolment::set_readers(hal::CardReader* cards, hal::FingerprintReader* fingers) {
  if (fingers_ != nullptr && fingers_ != fingers) fingers_->cancel_enrol();
  cards_ = cards;
  fingers_ = fingers;
}

void ReaderEnrolment::read_card(core::Duration timeout,
                                std::function<void(std::optional<std::string>)> done) {
  end_card_wait(std::nullopt);
  card_wait_ = std::move(done);
  card_timer_ = timers_.start(timeout, [this] {
    card_timer_.reset();
    end_card_wait(std::nullopt);
  });
}

void ReaderEnrolment::end_card_wait(std::optional<std::string> number) {
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
  auto shared = std::make_shared<decltype(done)>(std::move(done));
  auto timed_out = std::make_shared<bool>(false);
  fingers_->enrol([this, shared, timed_out](Result<std::vector<std::uint8_t>> r) {
    if (finger_timer_) timers_.cancel(*finger_timer_);
    finger_timer_.reset();
    if (!r && *timed_out) {
      r = make_error("no finger was laid on the fingerprint module within 30 s", Errc::Timeout);
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
