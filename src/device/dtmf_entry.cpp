#include "device/dtmf_entry.h"

#include <cctype>

namespace vto::device {

DtmfEntry::DtmfEntry(core::Timers& timers, core::Duration pause, Done done)
    : timers_(timers), pause_(pause), done_(std::move(done)) {}

DtmfEntry::~DtmfEntry() {
  timers_.cancel(timer_);
}

void DtmfEntry::key(char k) {
  k = static_cast<char>(std::toupper(static_cast<unsigned char>(k)));
  if (k == '#') {
    finish();
    return;
  }
  const bool code_key = (k >= '0' && k <= '9') || (k >= 'A' && k <= 'D');
  if (!code_key) return;
  if (digits_.size() < kMaxLength + 1) digits_ += k;  // one past the limit: surely wrong
  timers_.cancel(timer_);
  timer_ = timers_.start(pause_, [this] {
    timer_ = 0;
    finish();
  });
}

void DtmfEntry::clear() {
  timers_.cancel(timer_);
  timer_ = 0;
  digits_.clear();
}

void DtmfEntry::finish() {
  timers_.cancel(timer_);
  timer_ = 0;
  if (digits_.empty()) return;
  std::string entry;
  entry.swap(digits_);
  done_(entry);  // may destroy this object's owner's state: nothing after it
}

}  // namespace vto::device
