#include "accounts/sessions.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace vto::accounts {
namespace {

constexpr std::size_t kTokenBytes = 32;

}  // namespace

std::string random_token() {
  std::array<unsigned char, kTokenBytes> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::array<char, sodium_base64_ENCODED_LEN(kTokenBytes, kVariant)> text{};
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(), kVariant);
  sodium_memzero(bytes.data(), bytes.size());
  return std::string(text.data());
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

SessionTable::SessionTable(std::size_t max_sessions)
    : max_sessions_(max_sessions == 0 ? 1 : max_sessions) {
  if (sodium_init() < 0) throw std::runtime_error("sessions: libsodium failed to start");
}

bool SessionTable::expired(const Session& session, core::TimePoint now) const {
  return now - session.last_seen > idle_timeout_ || now - session.created >= kMaxLifetime;
}

void SessionTable::drop_expired(core::TimePoint now) {
  std::erase_if(sessions_, [&](const auto& entry) { return expired(entry.second, now); });
}

Session SessionTable::create(std::string user, std::string role, std::string address,
                             core::TimePoint now) {
  std::size_t own = 0;
  auto own_oldest = sessions_.end();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->second.user != user) continue;
    ++own;
    if (own_oldest == sessions_.end() || it->second.last_seen < own_oldest->second.last_seen)
      own_oldest = it;
  }
  if (own >= kMaxPerUser) sessions_.erase(own_oldest);
  if (sessions_.size() >= max_sessions_) drop_expired(now);
  if (sessions_.size() >= max_sessions_) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](auto& a, auto& b) {
      return a.second.last_seen < b.second.last_seen;
    });
    sessions_.erase(oldest);
  }
  Session session{random_token(),
                  random_token(),
                  std::move(user),
                  std::move(role),
                  std::move(address),
                  now,
                  now};
  sessions_.emplace(session.id, session);
  return session;
}

std::optional<Session> SessionTable::find(std::string_view id, core::TimePoint now) {
  auto it = sessions_.find(std::string(id));
  if (it == sessions_.end()) return std::nullopt;
  if (expired(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen = std::max(it->second.last_seen, now);
  return it->second;
}

bool SessionTable::alive(std::string_view id, core::TimePoint now) const {
  auto it = sessions_.find(std::string(id));
  return it != sessions_.end() && !expired(it->second, now);
}

bool SessionTable::remove(std::string_view id) {
  return sessions_.erase(std::string(id)) > 0;
}

std::size_t SessionTable::remove_user(std::string_view user, std::string_view keep_id) {
  return std::erase_if(sessions_, [&](const auto& entry) {
    return entry.second.user == user && entry.first != keep_id;
  });
}

std::vector<SessionInfo> SessionTable::list(core::TimePoint now) {
  drop_expired(now);
  std::vector<SessionInfo> live;
  live.reserve(sessions_.size());
  for (const auto& [id, s] : sessions_) {
    live.push_back({s.user, s.role, s.address, s.created, s.last_seen});
  }
  std::sort(live.begin(), live.end(), [](const SessionInfo& a, const SessionInfo& b) {
    return std::tie(a.user, a.created, a.address) < std::tie(b.user, b.created, b.address);
  });
  return live;
}

}  // namespace vto::accounts
