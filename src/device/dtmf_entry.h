// The unlock code a monitor sends during a call, gathered into whole entries: an entry
// ends with '#' or after a pause, and only a whole entry is compared with the code. A
// stream of digits is never a sliding window over every code (a De Bruijn sequence of all
// 10,000 four-digit codes would otherwise open the door in one call).
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "core/timers.h"

namespace vto::device {

class DtmfEntry {
 public:
  static constexpr std::size_t kMaxLength = 16;  // longer entries are cut (and wrong)

  using Done = std::function<void(const std::string& entry)>;
  DtmfEntry(core::Timers& timers, core::Duration pause, Done done);
  ~DtmfEntry();
  DtmfEntry(const DtmfEntry&) = delete;
  DtmfEntry& operator=(const DtmfEntry&) = delete;

  // A key: '0'-'9' and 'A'-'D' are gathered, '#' ends the entry, '*' and anything else
  // are not part of a code. An empty entry is never handed over.
  void key(char k);
  // Drops what was gathered (the call ended).
  void clear();

 private:
  void finish();

  core::Timers& timers_;
  core::Duration pause_;
  Done done_;
  std::string digits_;
  core::Timers::Id timer_ = 0;
};

}  // namespace vto::device
