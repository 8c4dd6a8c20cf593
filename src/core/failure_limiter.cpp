#include "core/failure_limiter.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

namespace vto::core {

FailureLimiter::FailureLimiter(FailurePolicy policy) : policy_(policy) {}

void FailureLimiter::expire(Entry& entry, TimePoint now) const {
  // A whole window without a block running forgets the earlier blocks; a return sooner
  // is a recidive, and its block doubles.
  if (entry.blocked_until && now >= *entry.blocked_until &&
      now - *entry.blocked_until >= policy_.window) {
    entry.blocks = 0;
    entry.blocked_until.reset();
  }
  if (entry.count > 0 && now - entry.first >= policy_.window) entry.count = 0;
}

std::optional<Duration> FailureLimiter::blocked(std::string_view key, TimePoint now) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  const Entry& e = *it->second;
  if (!e.blocked_until || now >= *e.blocked_until) return std::nullopt;
  return std::chrono::duration_cast<Duration>(*e.blocked_until - now);
}

int FailureLimiter::failures(std::string_view key, TimePoint now) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return 0;
  const Entry& e = *it->second;
  if (e.count > 0 && now - e.first >= policy_.window) return 0;
  return e.count;
}

std::optional<Duration> FailureLimiter::failure(std::string_view key, TimePoint now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    make_room(now);
    order_.emplace_front();
    order_.front().key = std::string(key);
    it = entries_.emplace(order_.front().key, order_.begin()).first;
  } else {
    order_.splice(order_.begin(), order_, it->second);  // most recent first
  }
  Entry& e = *it->second;
  if (e.blocked_until && now < *e.blocked_until) {
    e.last = now;
    return std::nullopt;  // already blocked: a failure the caller let through changes nothing
  }
  expire(e, now);
  if (e.count == 0) e.first = now;
  ++e.count;
  e.last = now;
  if (e.count < policy_.max_failures) return std::nullopt;
  Duration length = policy_.block;
  for (int i = 0; i < e.blocks && length < policy_.max_block; ++i) length *= 2;
  length = std::min(length, policy_.max_block);
  e.blocked_until = now + length;
  ++e.blocks;
  e.count = 0;
  return length;
}

std::vector<std::pair<std::string, Duration>> FailureLimiter::blocked_keys(TimePoint now) const {
  std::vector<std::pair<std::string, Duration>> out;
  for (const Entry& e : order_) {
    if (e.blocked_until && now < *e.blocked_until)
      out.emplace_back(e.key, std::chrono::duration_cast<Duration>(*e.blocked_until - now));
  }
  return out;
}

void FailureLimiter::clear(std::string_view key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  auto entry = it->second;
  entries_.erase(it);
  order_.erase(entry);
}

void FailureLimiter::clear_all() {
  entries_.clear();
  order_.clear();
}

void FailureLimiter::make_room(TimePoint now) {
  if (entries_.size() < policy_.max_keys || order_.empty()) return;
  // The least recently active key that is not blocked; a blocked one only when all are.
  auto victim = std::prev(order_.end());
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    if (!it->blocked_until || now >= *it->blocked_until) {
      victim = std::prev(it.base());
      break;
    }
  }
  entries_.erase(victim->key);
  order_.erase(victim);
}

std::string source_key(std::string_view ip) {
  if (ip.find(':') == std::string_view::npos) return std::string(ip);
  std::array<unsigned char, 16> raw{};
  const std::string text(ip);
  if (inet_pton(AF_INET6, text.c_str(), raw.data()) != 1) return text;
  std::fill(raw.begin() + 8, raw.end(), 0);
  std::array<char, INET6_ADDRSTRLEN> out{};
  if (inet_ntop(AF_INET6, raw.data(), out.data(), out.size()) == nullptr) return text;
  return std::string(out.data()) + "/64";
}

}  // namespace vto::core
