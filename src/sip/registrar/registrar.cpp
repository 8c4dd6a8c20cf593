#include "sip/registrar/registrar.h"

#include "sip/registrar/reply.h"

#include <charconv>
#include <ctime>
#include <set>

#include "core/log.h"
#include "core/secure_random.h"
#include "sip/auth/digest_server.h"

namespace vto::sip {

namespace {

// "101#3" -> ("101", 3); nullopt for names without an index.
std::optional<std::pair<std::string_view, int>> split_index(std::string_view aor) {
  auto hash = aor.rfind('#');
  if (hash == std::string_view::npos) return std::nullopt;
  int index = 0;
  auto digits = aor.substr(hash + 1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  return std::make_pair(aor.substr(0, hash), index);
}

// The To tag of a reply: REGISTER makes no dialog, but no tag of ours is guessable.
std::string reply_tag() {
  return core::secure_random().hex(8);
}

std::string http_date() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

}  // namespace

Registrar::Registrar(LocationStore& store, auth::DigestServer& digest,
                     const AccountDirectory& accounts, core::Timers& timers,
                     RegistrarConfig options)
    : store_(store), digest_(digest), accounts_(accounts), timers_(timers), options_(options) {}

Message Registrar::challenge(const Message& request, bool stale, int status) const {
  const bool proxy = status == 407;
  Message r = make_response(request, status,
                            proxy ? "Proxy Authentication Required" : "Unauthorized", reply_tag());
  for (auto& value : digest_.challenges(stale))
    r.add_header(proxy ? HeaderId::ProxyAuthenticate : HeaderId::WwwAuthenticate, std::move(value));
  return r;
}

Message Registrar::refuse(const Message& request, std::string_view user, const Peer& source,
                          core::Duration* delay) {
  core::logger("registrar")
      ->info("{} for {} from {} refused: authentication failed", request.method(), user,
             source.host_port());
  const core::Duration wait =
      guard_ ? guard_->failure(user, request.method(), source) : core::Duration(0);
  if (delay) *delay = wait;
  // Unknown user and wrong password answer alike: nothing to learn from the reply.
  return reg_reply(request, RegReply::Forbidden, reply_tag());
}

bool Registrar::from_registered_source(const Message& request, const Peer& source) const {
  auto from = request.from();
  if (!from) return false;
  const std::string caller = from->uri.user_unescaped();
  if (caller.empty()) return false;
  for (const Binding& b : store_.lookup(caller)) {
    if (b.source == source) return true;
  }
  return false;
}

std::optional<Message> Registrar::challenge_stranger(const Message& request,
                                                     const Peer& source) const {
  if (request.header(HeaderId::ProxyAuthorization)) return std::nullopt;
  if (!request.from()) return std::nullopt;  // authorize_caller answers 400
  if (from_registered_source(request, source)) return std::nullopt;
  return challenge(request, false, 407);
}

std::optional<Message> Registrar::authorize_caller(const Message& request, const Peer& source,
                                                   core::Duration* delay) {
  auto from = request.from();
  if (!from) return reg_reply(request, RegReply::BadFrom);
  const std::string caller = from->uri.user_unescaped();
  if (from_registered_source(request, source)) return std::nullopt;
  auto authorization = request.header(HeaderId::ProxyAuthorization);
  if (!authorization) return challenge(request, false, 407);
  auto credentials = auth::parse_credentials(*authorization);
  if (!credentials) return reg_reply(request, RegReply::BadProxyAuthorization);
  auto verdict = digest_.verify(request.method(), *credentials, [this](std::string_view user) {
    return accounts_.password_of(unescape(user).value_or(std::string(user)));
  });
  switch (verdict.verdict) {
    case auth::Verdict::Ok:
      break;
    case auth::Verdict::Stale:
      return challenge(request, true, 407);
    case auth::Verdict::UnknownNonce:
      return challenge(request, false, 407);
    case auth::Verdict::Invalid:
    case auth::Verdict::Replay:
      return refuse(request, credentials->username, source, delay);
  }
  // The credentials must be those of the caller it claims to be.
  if (caller.empty() || unescape(verdict.username).value_or(verdict.username) != caller) {
    return refuse(request, credentials->username, source, delay);
  }
  return std::nullopt;
}

Message Registrar::handle(const Message& request, const Peer& source, core::Duration* delay) {
  auto log = core::logger("registrar");
  auto to = request.to();
  if (!to) return reg_reply(request, RegReply::BadTo, reply_tag());
  auto aor_text = to->uri.user_unescaped();
  if (aor_text.empty()) return reg_reply(request, RegReply::NoUser, reply_tag());
  const std::string aor = aor_text;

  // 1. Who is asking? Every binding change needs digest authentication.
  auto authorization = request.header(HeaderId::Authorization);
  if (!authorization) return challenge(request, false);
  auto credentials = auth::parse_credentials(*authorization);
  if (!credentials) return reg_reply(request, RegReply::BadAuthorization, reply_tag());
  // Some phones (baresip) take the user name for digest from the URI, escaped: "101%231".
  auto verdict = digest_.verify(request.method(), *credentials, [this](std::string_view user) {
    return accounts_.password_of(unescape(user).value_or(std::string(user)));
  });
  switch (verdict.verdict) {
    case auth::Verdict::Ok:
      break;
    case auth::Verdict::Stale:
      return challenge(request, true);
    case auth::Verdict::UnknownNonce:
      return challenge(request, false);  // e.g. a nonce from before vtod restarted
    case auth::Verdict::Invalid:
    case auth::Verdict::Replay:
      return refuse(request, credentials->username, source, delay);
  }
  // 2. One may only change one's own bindings.
  // Some clients send the user name escaped ("101%230"): compare unescaped.
  if (unescape(verdict.username).value_or(verdict.username) != aor) {
    log->info("REGISTER from {}: user {} may not register {}", source.host_port(), verdict.username,
              aor);
    return refuse(request, credentials->username, source, delay);
  }

  // 3. Contacts.
  auto contacts = request.contacts();
  if (!contacts) return reg_reply(request, RegReply::BadContact, reply_tag());
  const auto header_expires = request.expires();
  const std::string call_id(request.call_id());
  auto cseq = request.cseq();
  if (!cseq) return reg_reply(request, RegReply::BadCSeq, reply_tag());

  if (contacts->star) {
    if (contacts->contacts.size() > 0 || !header_expires || *header_expires != 0 ||
        request.count(HeaderId::Contact) != 1) {
      return reg_reply(request, RegReply::StarNotAlone, reply_tag());
    }
    for (const Binding& b : store_.lookup(aor)) {
      if (b.call_id == call_id && cseq->number <= b.cseq) {
        return reg_reply(request, RegReply::OutOfOrder, reply_tag());
      }
    }
    store_.remove_all(aor);
    log->info("{} unregistered all contacts", aor);
    return ok_with_bindings(request, aor);
  }

  if (contacts->contacts.empty()) return ok_with_bindings(request, aor);  // a query

  // Check everything before changing anything: a REGISTER applies whole or not at all.
  struct Change {
    std::string contact;
    std::uint32_t expires;
    float q;
    std::string instance;
  };
  std::vector<Change> changes;
  const auto existing = store_.lookup(aor);
  for (const NameAddr& c : contacts->contacts) {
    std::uint32_t expires = options_.default_expires;
    if (auto e = c.params.get("expires")) {
      auto parsed = parse_uint(*e, 0xffffffffU);
      if (!parsed) return reg_reply(request, RegReply::BadExpires, reply_tag());
      expires = *parsed;
    } else if (header_expires) {
      expires = *header_expires;
    }
    if (expires != 0 && expires < options_.min_expires) {
      Message r = reg_reply(request, RegReply::IntervalTooBrief, reply_tag());
      r.add_header(HeaderId::MinExpires, std::to_string(options_.min_expires));
      return r;
    }
    expires = std::min(expires, options_.max_expires);
    float q = 1.0F;
    if (auto qv = c.params.get("q")) {
      try {
        q = std::stof(std::string(*qv));
      } catch (...) {
        return reg_reply(request, RegReply::BadQ, reply_tag());
      }
      if (q < 0.0F || q > 1.0F) return reg_reply(request, RegReply::BadQ, reply_tag());
    }
    std::string contact(c.uri.text());
    for (const Binding& b : existing) {
      if (b.contact == contact && b.call_id == call_id && cseq->number <= b.cseq) {
        return reg_reply(request, RegReply::OutOfOrder, reply_tag());
      }
    }
    std::string instance;
    if (auto inst = c.params.get("+sip.instance")) instance = std::string(*inst);
    changes.push_back({std::move(contact), expires, q, std::move(instance)});
  }

  // The contacts once this REGISTER is applied. A contact with the +sip.instance of an
  // existing binding replaces that binding (RFC 5626 §6), as the store does on save.
  std::set<std::string> after;
  for (const Binding& b : existing) after.insert(b.contact);
  for (const Change& ch : changes) {
    if (ch.expires == 0) {
      after.erase(ch.contact);
      continue;
    }
    if (!ch.instance.empty()) {
      for (const Binding& b : existing) {
        if (b.instance == ch.instance) after.erase(b.contact);
      }
    }
    after.insert(ch.contact);
  }
  if (after.size() > options_.max_contacts_per_aor) {
    return reg_reply(request, RegReply::TooManyContacts, reply_tag());
  }
  if (!existing.size() && !after.empty()) {
    if (auto refused = check_extension_limit(request, aor)) return std::move(*refused);
  }

  const auto now = timers_.now();
  std::string user_agent(request.header(HeaderId::UserAgent).value_or(""));
  for (Change& ch : changes) {
    if (ch.expires == 0) {
      store_.remove(aor, ch.contact);
      continue;
    }
    Binding b;
    b.aor = aor;
    b.contact = std::move(ch.contact);
    b.call_id = call_id;
    b.cseq = cseq->number;
    b.expires_at = now + std::chrono::seconds(ch.expires);
    b.q = ch.q;
    b.instance = std::move(ch.instance);
    b.user_agent = user_agent;
    b.source = source;
    store_.save(std::move(b));
  }
  log->debug("{} registration updated from {} (digest {})", aor, source.host_port(),
             credentials->algorithm.empty() ? "MD5" : credentials->algorithm);
  return ok_with_bindings(request, aor);
}

std::optional<Message> Registrar::check_extension_limit(const Message& request,
                                                        const std::string& aor) const {
  auto split = split_index(aor);
  if (!split || split->second == 0) return std::nullopt;  // masters are not counted
  std::string prefix = std::string(split->first) + "#";
  std::set<std::string> extensions;
  for (const Binding& b : store_.lookup_prefix(prefix)) {
    auto other = split_index(b.aor);
    if (other && other->first == split->first && other->second != 0) extensions.insert(b.aor);
  }
  if (extensions.size() >= options_.max_extensions_per_room) {
    core::logger("registrar")
        ->info("{} refused: room {} already has {} extensions", aor, split->first,
               extensions.size());
    return reg_reply(request, RegReply::TooManyExtensions, reply_tag());
  }
  return std::nullopt;
}

Message Registrar::ok_with_bindings(const Message& request, const std::string& aor) const {
  Message r = reg_reply(request, RegReply::Ok, reply_tag());
  const auto now = timers_.now();
  for (const Binding& b : store_.lookup(aor)) {
    auto left = std::chrono::duration_cast<std::chrono::seconds>(b.expires_at - now).count();
    r.add_header(HeaderId::Contact,
                 "<" + b.contact + ">;expires=" + std::to_string(std::max<long long>(left, 0)));
  }
  r.add_header(HeaderId::Date, http_date());
  return r;
}

}  // namespace vto::sip
