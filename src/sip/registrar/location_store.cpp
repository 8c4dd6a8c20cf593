#include "sip/registrar/location_store.h"

#include <algorithm>
#include <chrono>

namespace vto::sip {

namespace {
constexpr core::Duration kPurgeInterval{5000};

bool live(const Binding& b, core::TimePoint now) {
  return b.expires_at > now;
}
}  // namespace

MemoryLocationStore::MemoryLocationStore(core::Timers& timers) : timers_(timers) {
  schedule_purge();
}

MemoryLocationStore::~MemoryLocationStore() {
  timers_.cancel(purge_timer_);
}

void MemoryLocationStore::schedule_purge() {
  purge_timer_ = timers_.start(kPurgeInterval, [this] {
    purge();
    schedule_purge();
  });
}

std::vector<Binding> MemoryLocationStore::lookup(std::string_view aor) const {
  std::vector<Binding> out;
  auto it = bindings_.find(aor);
  if (it == bindings_.end()) return out;
  const auto now = timers_.now();
  for (const Binding& b : it->second) {
    if (live(b, now)) out.push_back(b);
  }
  // Highest q first (RFC 3261 §16.6 ordering hint); stable keeps registration order.
  std::stable_sort(out.begin(), out.end(),
                   [](const Binding& a, const Binding& b) { return a.q > b.q; });
  return out;
}

std::vector<Binding> MemoryLocationStore::lookup_prefix(std::string_view prefix) const {
  std::vector<Binding> out;
  const auto now = timers_.now();
  for (auto it = bindings_.lower_bound(prefix); it != bindings_.end(); ++it) {
    if (std::string_view(it->first).substr(0, prefix.size()) != prefix) break;
    for (const Binding& b : it->second) {
      if (live(b, now)) out.push_back(b);
    }
  }
  return out;
}

void MemoryLocationStore::save(Binding binding) {
  auto& list = bindings_[binding.aor];
  auto same = std::find_if(list.begin(), list.end(), [&](const Binding& b) {
    return b.contact == binding.contact ||
           (!binding.instance.empty() && b.instance == binding.instance);
  });
  std::string aor = binding.aor;
  if (same != list.end()) {
    *same = std::move(binding);
  } else {
    list.push_back(std::move(binding));
  }
  notify(aor);
}

void MemoryLocationStore::remove(std::string_view aor, std::string_view contact) {
  auto it = bindings_.find(aor);
  if (it == bindings_.end()) return;
  std::string key = it->first;
  auto& list = it->second;
  std::erase_if(list, [&](const Binding& b) { return b.contact == contact; });
  if (list.empty()) bindings_.erase(it);
  notify(key);
}

void MemoryLocationStore::remove_all(std::string_view aor) {
  auto it = bindings_.find(aor);
  if (it == bindings_.end()) return;
  std::string key = it->first;
  bindings_.erase(it);
  notify(key);
}

std::size_t MemoryLocationStore::size() const {
  std::size_t n = 0;
  const auto now = timers_.now();
  for (const auto& [aor, list] : bindings_) {
    n += static_cast<std::size_t>(
        std::count_if(list.begin(), list.end(), [&](const Binding& b) { return live(b, now); }));
  }
  return n;
}

void MemoryLocationStore::purge() {
  const auto now = timers_.now();
  std::vector<std::string> emptied;
  for (auto it = bindings_.begin(); it != bindings_.end();) {
    std::erase_if(it->second, [&](const Binding& b) { return !live(b, now); });
    if (it->second.empty()) {
      emptied.push_back(it->first);
      it = bindings_.erase(it);
    } else {
      ++it;
    }
  }
  // After the loop: the observer may use the store.
  for (const std::string& aor : emptied) notify(aor);
}

void MemoryLocationStore::notify(const std::string& aor) {
  const bool online = !lookup(aor).empty();
  auto reported = online_.find(aor);
  if (online == (reported != online_.end())) return;
  if (online) {
    online_.insert(aor);
  } else {
    online_.erase(reported);
  }
  if (observer_) observer_(aor, online);
}

}  // namespace vto::sip
