// The registrar's rules (RFC 3261 §10.3): authenticate, check the numbering plan,
// then save, refresh or remove bindings in the LocationStore. It only decides; the
// caller sends the response it returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sip/message/message.h"
#include "sip/registrar/location_store.h"
#include "sip/security/sip_guard.h"
#include "sip/transport/transport.h"

namespace vto::sip::auth {
class DigestServer;
}

namespace vto::sip {

// Who may register, and with which password (implemented over the store by the app).
class AccountDirectory {
 public:
  virtual ~AccountDirectory() = default;
  // The register password of a user name ("101#0" -> room 101's); nullopt when that
  // name may not register (unknown room or VTO, index out of range...).
  virtual std::optional<std::string> password_of(std::string_view user) const = 0;
};

struct RegistrarConfig {
  std::uint32_t min_expires = 60;
  std::uint32_t max_expires = 3600;
  std::uint32_t default_expires = 3600;
  std::size_t max_contacts_per_aor = 5;
  std::size_t max_extensions_per_room = 10;  // "<room>#1".."#99", at most 10 at once
};

class Registrar {
 public:
  Registrar(LocationStore& store, auth::DigestServer& digest, const AccountDirectory& accounts,
            core::Timers& timers, RegistrarConfig options = {});

  // Wrong answers to challenges are counted there (nullptr: not counted).
  void set_guard(SipGuard* guard) { guard_ = guard; }

  // The response to a REGISTER received from `source`. `delay`, when given, is set to how
  // long the response should wait (a user whose wrong answers are being slowed).
  Message handle(const Message& request, const Peer& source, core::Duration* delay = nullptr);

  // Whether an out-of-dialog request (a call, a MESSAGE) may enter the building. It may
  // when it comes from where its From user is registered, or carries valid digest
  // credentials of that user (RFC 3261 §22.3). nullopt: let it pass; otherwise the
  // response to send (407 with a challenge, or 403).
  std::optional<Message> authorize_caller(const Message& request, const Peer& source,
                                          core::Duration* delay = nullptr);
  // The stateless part of authorize_caller: the 407 for a request with no credentials
  // from where its From user is not registered; nullopt when there is more to check.
  std::optional<Message> challenge_stranger(const Message& request, const Peer& source) const;
  // True when `request` comes from where its From user is registered.
  bool from_registered_source(const Message& request, const Peer& source) const;

 private:
  Message challenge(const Message& request, bool stale, int status = 401) const;
  // A wrong answer: counted, logged, and answered with 403 (after `delay`).
  Message refuse(const Message& request, std::string_view user, const Peer& source,
                 core::Duration* delay);
  Message ok_with_bindings(const Message& request, const std::string& aor) const;
  std::optional<Message> check_extension_limit(const Message& request,
                                               const std::string& aor) const;

  LocationStore& store_;
  auth::DigestServer& digest_;
  const AccountDirectory& accounts_;
  core::Timers& timers_;
  RegistrarConfig options_;
  SipGuard* guard_ = nullptr;
};

}  // namespace vto::sip
