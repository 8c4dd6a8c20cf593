// The location store (Kamailio's usrloc): who is registered where. Kept apart from
// the registrar's rules so another store (a database) can stand behind the same API.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/timers.h"
#include "sip/transport/transport.h"

namespace vto::sip {

struct Binding {
  std::string aor;      // the registered user, unescaped: "101#0", "8001", "888888"
  std::string contact;  // Contact URI as registered
  std::string call_id;
  std::uint32_t cseq = 0;
  core::TimePoint expires_at{};
  float q = 1.0F;
  std::string instance;  // +sip.instance, when given
  std::string user_agent;
  Peer source;  // where the REGISTER came from: requests for this binding go there
};

class LocationStore {
 public:
  // Called whenever an AOR gains its first live binding or loses its last one.
  using Observer = std::function<void(std::string_view aor, bool online)>;

  virtual ~LocationStore() = default;
  virtual std::vector<Binding> lookup(std::string_view aor) const = 0;
  // Every live binding of every AOR that starts with `prefix` ("101#" -> all of room 101).
  virtual std::vector<Binding> lookup_prefix(std::string_view prefix) const = 0;
  // Adds or replaces the binding with the same contact (or the same +sip.instance).
  virtual void save(Binding binding) = 0;
  virtual void remove(std::string_view aor, std::string_view contact) = 0;
  virtual void remove_all(std::string_view aor) = 0;
  virtual std::size_t size() const = 0;  // live bindings
  virtual void set_observer(Observer observer) = 0;
};

using LocationStorePtr = std::unique_ptr<LocationStore>;

// In memory, expiring on the injected clock.
class MemoryLocationStore final : public LocationStore {
 public:
  explicit MemoryLocationStore(core::Timers& timers);
  ~MemoryLocationStore() override;

  std::vector<Binding> lookup(std::string_view aor) const override;
  std::vector<Binding> lookup_prefix(std::string_view prefix) const override;
  void save(Binding binding) override;
  void remove(std::string_view aor, std::string_view contact) override;
  void remove_all(std::string_view aor) override;
  std::size_t size() const override;
  void set_observer(Observer observer) override { observer_ = std::move(observer); }

  // Drops expired bindings now (also runs by itself every few seconds).
  void purge();

 private:
  void schedule_purge();
  // Tells the observer when `aor` went on- or offline since it last heard of it.
  void notify(const std::string& aor);

  core::Timers& timers_;
  core::Timers::Id purge_timer_ = 0;
  std::map<std::string, std::vector<Binding>, std::less<>> bindings_;
  Observer observer_;
  // AORs last reported online. Bindings also run out between purges, unseen: the
  // transition is judged against what was reported, not against the bindings' past.
  std::set<std::string, std::less<>> online_;
};

}  // namespace vto::sip
