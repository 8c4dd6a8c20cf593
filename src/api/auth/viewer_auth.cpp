#include "api/auth/viewer_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cctype>

#include "accounts/digest_keys.h"
#include "core/log.h"

namespace vto::api {

namespace {

sip::auth::DigestConfig digest_options() {
  sip::auth::DigestConfig o;
  o.realm = std::string(accounts::kDigestRealm);
  o.algorithms = {sip::auth::Algorithm::Md5};
  o.max_tracked_nonces = 4096;
  // GStreamer's RTSP client (and NVRs built on it) answers without qop (RFC 2069): allowed
  // for MD5, each such nonce good for one request.
  o.allow_rfc2069 = true;
  // go2rtc (and NVRs built like it) answers with realm and nonce only.
  o.opaque_optional = true;
  return o;
}

}  // namespace

Result<std::unique_ptr<ViewerAuth>> ViewerAuth::open(const std::string& data_dir,
                                                     const core::Timers& clock) {
  auto db = store::Database::open(data_dir);
  if (!db) return db.error();
  return std::unique_ptr<ViewerAuth>(new ViewerAuth(std::move(*db), clock));
}

ViewerAuth::ViewerAuth(std::unique_ptr<store::Database> db, const core::Timers& clock)
    : db_(std::move(db)),
      users_(*db_),
      clock_(clock),
      digest_clock_(clock),
      digest_(digest_clock_, digest_options()) {
  set_lockout(5, std::chrono::minutes(5));
}

void ViewerAuth::set_lockout(int max_failures, core::Duration lock) {
  std::lock_guard lock_held(mutex_);
  guard_.set_config(accounts::LoginGuardConfig{max_failures, lock, guard_.config().max_keys});
  sources_.set_policy(
      core::FailurePolicy{4 * max_failures, 2 * lock, lock, std::chrono::hours(24), 4096});
}

void ViewerAuth::set_observer(Observer observer) {
  std::lock_guard lock(mutex_);
  observer_ = std::move(observer);
}

bool ViewerAuth::may_watch(store::Role role) const {
  std::lock_guard lock(mutex_);
  return watch_roles_.contains(role);
}

std::vector<std::string> ViewerAuth::challenges(bool stale) {
  std::lock_guard lock(mutex_);
  return digest_.challenges(stale);
}

ViewerVerdict ViewerAuth::check(std::string_view method, std::string_view authorization,
                                std::string_view address) {
  ViewerVerdict v = identify(method, authorization, address);
  if (v.kind == ViewerVerdict::Kind::Ok && !may_watch(v.role))
    v.kind = ViewerVerdict::Kind::Forbidden;
  return v;
}

std::vector<std::pair<std::string, std::string>> ViewerAuth::count_failure(const std::string& user,
                                                                           std::string_view address,
                                                                           std::string_view what) {
  const auto seconds = [](core::Duration d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count());
  };
  const core::TimePoint now = clock_.now();
  std::vector<std::pair<std::string, std::string>> reports;
  reports.emplace_back("digest_failed", std::string(what));
  if (guard_.failure(user, address, now)) {
    core::logger("live")->warn("digest: {} locked from {} after repeated failures", user, address);
    reports.emplace_back("digest_locked", "locked from " + std::string(address) + " for " +
                                              seconds(guard_.config().lock) + " s");
  }
  const std::string source = core::source_key(address);
  if (auto block = sources_.failure(source, now)) {
    reports.emplace_back("digest_source_blocked",
                         source + " refused for " + seconds(*block) + " s");
  }
  return reports;
}

void ViewerAuth::report_refusal(const std::string& user, std::string_view address,
                                std::string_view why) {
  Observer observer;
  {
    std::lock_guard lock(mutex_);
    observer = observer_;
  }
  if (observer) observer(user, std::string(address), "rtsp_refused", std::string(why));
}

ViewerVerdict ViewerAuth::refuse(std::unique_lock<std::mutex> lock, const Observer& observer,
                                 const std::string& user, std::string_view address,
                                 std::string_view what) {
  const auto reports = count_failure(user, address, what);
  lock.unlock();
  if (observer)
    for (const auto& [action, detail] : reports)
      observer(user, std::string(address), action, detail);
  return {ViewerVerdict::Kind::Challenge, {}};
}

ViewerVerdict ViewerAuth::identify(std::string_view method, std::string_view authorization,
                                   std::string_view address) {
  if (authorization.empty()) return {ViewerVerdict::Kind::Challenge, {}};
  auto credentials = sip::auth::parse_credentials(authorization);
  if (!credentials) return {ViewerVerdict::Kind::Challenge, {}};
  const std::string user = credentials->username;
  std::unique_lock lock(mutex_);
  const Observer observer = observer_;
  const core::TimePoint now = clock_.now();
  if (guard_.locked(user, address, now) || sources_.blocked(core::source_key(address), now)) {
    return {ViewerVerdict::Kind::Challenge, {}};
  }
  std::optional<store::User> account;
  // The key of the account's web password (MD5 with legacy digest), or of its ONVIF
  // password: ONVIF clients hand that one to the RTSP and snapshot URIs they are given.
  const auto lookup = [&](bool onvif) {
    return [&, onvif](std::string_view name,
                      sip::auth::Algorithm algorithm) -> std::optional<std::string> {
      auto found = users_.find(std::string(name));
      if (!found || !*found) return std::nullopt;
      account = **found;
      if (onvif) {
        auto password = onvif_password(*account);
        if (!password) return std::nullopt;
        return sip::auth::digest_key(algorithm, account->name, accounts::kDigestRealm, *password);
      }
      const std::string& key =
          algorithm == sip::auth::Algorithm::Sha256 ? account->digest.sha256 : account->digest.md5;
      if (key.empty()) return std::nullopt;
      return key;
    };
  };
  auto verification = digest_.verify_keys(method, *credentials, lookup(false));
  if (verification.verdict == sip::auth::Verdict::Invalid && account &&
      !account->onvif_secret.empty())
    verification = digest_.verify_keys(method, *credentials, lookup(true));
  switch (verification.verdict) {
    case sip::auth::Verdict::Ok:
      break;
    case sip::auth::Verdict::Stale:
    case sip::auth::Verdict::UnknownNonce:
    // A nonce used up (an RFC 2069 client's next request): the answer was right, so a fresh
    // nonce with stale=true lets the client answer again without asking anyone.
    case sip::auth::Verdict::Replay:
      return {ViewerVerdict::Kind::Stale, {}};
    case sip::auth::Verdict::Invalid:
      return refuse(std::move(lock), observer, user, address,
                    "wrong digest answer (player, NVR or API client)");
  }
  guard_.success(user, address);
  if (!account) return {ViewerVerdict::Kind::Challenge, {}};
  return {ViewerVerdict::Kind::Ok, user, account->role};
}

ViewerAuth::Attempt ViewerAuth::may_try(const std::string& user, std::string_view address) {
  const core::TimePoint now = clock_.now();
  if (user.empty() || guard_.locked(user, address, now) ||
      sources_.blocked(core::source_key(address), now))
    return {true, std::nullopt};
  Attempt attempt;
  if (auto found = users_.find(user); found && *found) attempt.account = **found;
  return attempt;
}

std::optional<std::string> ViewerAuth::onvif_password(const store::User& account) const {
  if (!onvif_secrets_ || account.onvif_secret.empty()) return std::nullopt;
  auto password = onvif_secrets_->unseal(account.onvif_secret);
  if (!password) return std::nullopt;
  return *password;
}

void ViewerAuth::set_onvif_secrets(const accounts::OnvifSecrets* secrets) {
  std::lock_guard lock(mutex_);
  onvif_secrets_ = secrets;
}

ViewerVerdict ViewerAuth::check_password_digest(std::string_view user_name, std::string_view nonce,
                                                std::string_view created, std::string_view digest,
                                                std::string_view address) {
  const std::string user(user_name);
  std::unique_lock lock(mutex_);
  const Observer observer = observer_;
  const Attempt attempt = may_try(user, address);
  if (attempt.refused) return {ViewerVerdict::Kind::Challenge, {}};
  const std::optional<store::User>& account = attempt.account;
  const std::optional<std::string> password = account ? onvif_password(*account) : std::nullopt;
  // The same work whether the account (or its ONVIF password) exists or not.
  std::string input(nonce);
  input += created;
  input += password.value_or("-no ONVIF password-");
  unsigned char sha1[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), sha1);
  unsigned char b64[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int length = EVP_EncodeBlock(b64, sha1, SHA_DIGEST_LENGTH);
  const bool right = password && static_cast<std::size_t>(length) == digest.size() &&
                     CRYPTO_memcmp(b64, digest.data(), digest.size()) == 0;
  if (!right)
    return refuse(std::move(lock), observer, user, address, "wrong ONVIF password digest");
  guard_.success(user, address);
  return {ViewerVerdict::Kind::Ok, user, account->role};
}

ViewerVerdict ViewerAuth::check_login_hash(std::string_view user_name, std::string_view random,
                                           std::string_view hash, std::string_view address) {
  const std::string user(user_name);
  std::unique_lock lock(mutex_);
  const Observer observer = observer_;
  const Attempt attempt = may_try(user, address);
  if (attempt.refused) return {ViewerVerdict::Kind::Challenge, {}};
  const std::optional<store::User>& account = attempt.account;
  // The same work whether the account exists or not.
  const std::string ha1 = account && !account->digest.md5.empty()
                              ? account->digest.md5
                              : sip::auth::digest_key(sip::auth::Algorithm::Md5, user,
                                                      accounts::kDigestRealm, "-no such account-");
  const auto upper = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string expected = upper(sip::auth::hex_hash(
      sip::auth::Algorithm::Md5, user + ":" + std::string(random) + ":" + upper(ha1)));
  const bool right =
      account && !account->digest.md5.empty() && expected.size() == hash.size() &&
      CRYPTO_memcmp(expected.data(), upper(std::string(hash)).data(), expected.size()) == 0;
  if (!right) return refuse(std::move(lock), observer, user, address, "wrong login on port 5000");
  guard_.success(user, address);
  return {ViewerVerdict::Kind::Ok, user, account->role};
}

void ViewerAuth::set_watch_roles(std::set<store::Role> roles) {
  std::lock_guard lock(mutex_);
  watch_roles_ = std::move(roles);
}

std::set<store::Role> ViewerAuth::watch_roles() const {
  std::lock_guard lock(mutex_);
  return watch_roles_;
}

}  // namespace vto::api
