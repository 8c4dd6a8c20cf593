// The Station's system maintenance: restart, factory reset, and the configuration backup
// and restore (store/backup.h). A restart ends the run with kRestartExit; main() then
// starts vtod again in the same process (execv), on the same addresses.
#include <algorithm>
#include <chrono>
#include <filesystem>

#include "accounts/password_hash.h"
#include "api/http_json.h"
#include "app/station.h"
#include "core/unix_clock.h"
#include "store/backup.h"
#include "store/directory.h"
#include "store/users.h"

namespace vto::app {

using nlohmann::json;

namespace {

constexpr int kMaxResetFailures = 3;
constexpr auto kResetLock = std::chrono::minutes(5);

// "openvto-backup-8001-2026-12-06.json"
std::string backup_name(const std::string& vto_number, std::int64_t now_ms) {
  const std::time_t t = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char day[16];
  std::strftime(day, sizeof day, "%Y-%m-%d", &tm);
  return "openvto-backup-" + (vto_number.empty() ? std::string("vto") : vto_number) + "-" + day +
         ".json";
}

}  // namespace

void Station::request_restart(const std::string& why, bool factory_reset) {
  if (restart_) return;
  log_->warn("{}: vtod restarts", why);
  restart_ = true;
  factory_reset_ = factory_reset;
  if (!serving()) ua_->unregister();
  // The answer that asked for it leaves first.
  timers_.start(std::chrono::milliseconds(500), [this] { io_.stop(); });
}

std::vector<std::pair<std::string, std::string>> Station::bound_addresses() const {
  std::vector<std::pair<std::string, std::string>> out;
  const auto at = [](const std::string& host, std::uint16_t port) {
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
           std::to_string(port);
  };
  out.emplace_back("--sip-listen",
                   at(options_.sip.host, transport_->local(sip::Transport::Udp).port));
  out.emplace_back("--https-listen", at(options_.https.host, http_->port()));
  if (redirect_running_)
    out.emplace_back("--http-listen", at(options_.http.host, redirect_->port()));
  if (options_.rtsp && live_view_->port() != 0) {
    out.emplace_back("--rtsp-listen", at(options_.rtsp->host, live_view_->port()));
  }
  if (options_.dhip && dhip_->running())
    out.emplace_back("--dhip-listen", at(options_.dhip->host, dhip_->port()));
  if (options_.sip_tls) {
    out.emplace_back("--sip-tls-listen",
                     at(options_.sip.host, transport_->local(sip::Transport::Tls).port));
  }
  return out;
}

void Station::add_system_maintenance_routes() {
  // Restart ("reboot" on a PC): the service starts again with the same settings.
  http_->route(
      "POST", "/api/v1/system/restart",
      auth_->guard(store::Role::Admin, [this](const web::HttpRequest&, const api::Principal& who) {
        auth_->audit(who, "system_restart", "vtod restarted");
        request_restart("restart asked by " + who.user);
        return api::json_response(202, {{"restarting", true}});
      }));

  // Factory reset: everything goes (the data directory is emptied), after the account's
  // password is given again. Three wrong ones lock it for 5 minutes.
  http_->route(
      "POST", "/api/v1/system/factory-reset",
      auth_->guard(
          store::Role::Admin, [this](const web::HttpRequest& req, const api::Principal& who) {
            if (who.by_token) {
              return web::json_error(403, "a factory reset needs a person logged in, not a token");
            }
            auto body = api::object_body(req);
            if (!body) return api::error_response(body.error());
            if (!body->contains("password") || !(*body)["password"].is_string()) {
              return api::field_error("password", "required", "your password, to confirm");
            }
            const auto now = timers_.now();
            auto& fails = reset_failures_[who.user];
            if (fails.count >= kMaxResetFailures && now - fails.since < kResetLock) {
              auth_->audit(who, "factory_reset_refused", "locked after wrong passwords");
              return web::json_error(429, "too many wrong passwords: try again in 5 minutes");
            }
            store::Users users(*config_db_);
            auto account = users.find(who.user);
            if (!account || !*account ||
                !accounts::verify_password((*account)->password_hash,
                                           (*body)["password"].get<std::string>())) {
              if (fails.count == 0 || now - fails.since >= kResetLock) fails = {0, now};
              ++fails.count;
              auth_->audit(who, "factory_reset_refused", "wrong password");
              return api::field_error("password", "wrong", "not your password");
            }
            reset_failures_.erase(who.user);
            auth_->audit(who, "factory_reset", "every setting, record and account erased");
            request_restart("factory reset asked by " + who.user, true);
            return api::json_response(202, {{"factory_reset", true}, {"restarting", true}});
          }));

  // Backup: POST {"passphrase"} answers the file.
  http_->route("POST", "/api/v1/system/backup",
               auth_->guard(store::Role::Admin, [this](const web::HttpRequest& req,
                                                       const api::Principal& who) {
                 auto body = api::object_body(req);
                 if (!body) return api::error_response(body.error());
                 if (!body->contains("passphrase") || !(*body)["passphrase"].is_string()) {
                   return api::field_error("passphrase", "required", "10 to 256 characters");
                 }
                 const std::string passphrase = (*body)["passphrase"];
                 if (auto ok = store::check_passphrase(passphrase); !ok) {
                   return api::field_error("passphrase", "invalid", ok.error().message);
                 }
                 const std::int64_t now = core::system_unix_ms();
                 auto file = store::make_backup(*config_db_, passphrase, now);
                 if (!file) return api::error_response(file.error());
                 auth_->audit(who, "backup_made", "configuration backup downloaded");
                 web::HttpResponse r;
                 r.body = std::move(*file);
                 r.headers["Content-Disposition"] =
                     "attachment; filename=\"" + backup_name(local_.vto_number, now) + "\"";
                 r.headers["Cache-Control"] = "no-store";
                 return r;
               }));

  // Restore: the file as the body, the passphrase in X-Backup-Passphrase (never in the URL,
  // which logs keep); ?preview=1 says what would change and changes nothing.
  http_->allow_large_body("/api/v1/system/restore", store::kMaxBackupSize);
  http_->route("POST", "/api/v1/system/restore",
               auth_->guard(store::Role::Admin, [this](const web::HttpRequest& req,
                                                       const api::Principal& who) {
                 if (req.query.find("passphrase") != std::string::npos) {
                   return web::json_error(400,
                                          "the passphrase goes in the X-Backup-Passphrase header, "
                                          "never in the URL");
                 }
                 const std::string& passphrase = req.header("x-backup-passphrase");
                 if (passphrase.empty()) {
                   return api::field_error("passphrase", "required",
                                           "the backup's passphrase (header X-Backup-Passphrase)");
                 }
                 const bool preview = req.query == "preview=1" || req.query == "preview=true";
                 auto content = store::open_backup(req.body, passphrase);
                 if (!content) {
                   auth_->audit(who, "restore_refused", content.error().message);
                   if (content.error().message.starts_with("wrong passphrase")) {
                     return api::field_error("passphrase", "wrong", content.error().message);
                   }
                   return api::error_response(content.error());
                 }
                 auto what = store::preview_restore(*config_db_, *content);
                 if (!what) return api::error_response(what.error());
                 json counts = json::object();
                 for (const auto& [kind, c] : what->counts) {
                   counts[kind] = {{"now", c.now}, {"backup", c.backup}};
                 }
                 json answer{{"created_ms", what->created_ms},
                             {"counts", counts},
                             {"settings_changed", what->settings_changed}};
                 if (preview) return api::json_response(200, answer);
                 if (auto ok = store::restore_backup(*config_db_, *content); !ok) {
                   return api::error_response(ok.error());
                 }
                 auth_->audit(who, "config_restored",
                              "configuration restored from a backup of " +
                                  std::to_string(content->created_ms));
                 request_restart("configuration restored by " + who.user);
                 answer["restored"] = true;
                 answer["restarting"] = true;
                 return api::json_response(200, answer);
               }));
}

// The monitor the station hosts for a test call from the web interface (operator):
//   GET /api/v1/sim/monitor: its state; POST {"room": "101"}: start it as 101#99;
//   DELETE: stop it; POST /api/v1/sim/monitor/answer, /hangup, /open (the unlock code).
void Station::add_hosted_monitor_routes() {
  const auto monitor = [this]() -> station::HostedMonitor& {
    if (!hosted_monitor_) {
      std::error_code ec;
      const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
      hosted_monitor_ =
          std::make_unique<station::HostedMonitor>(io_, (self.parent_path() / "vth").string());
    }
    return *hosted_monitor_;
  };
  const auto state = [this, monitor] {
    json s = monitor().state();
    s["can_open"] = !options_.unlock_code.empty();
    return s;
  };
  http_->route(
      "GET", "/api/v1/sim/monitor",
      auth_->guard(store::Role::Viewer, [state](const web::HttpRequest&, const api::Principal&) {
        return api::json_response(200, state());
      }));
  http_->route(
      "POST", "/api/v1/sim/monitor",
      auth_->guard(store::Role::Operator, [this, monitor, state](const web::HttpRequest& req,
                                                                 const api::Principal& who) {
        auto body = api::object_body(req);
        if (!body) return api::error_response(body.error());
        if (!body->contains("room") || !(*body)["room"].is_string()) {
          return api::field_error("room", "required", "the room whose monitor it is");
        }
        const std::string room = (*body)["room"];
        auto found = directory_->directory().find_room(room);
        if (!found) return api::error_response(found.error());
        if (!*found) return api::field_error("room", "unknown", "no room " + room);
        if (!serving()) {
          return web::json_error(409,
                                 "the hosted monitor registers with this VTO's own SIP "
                                 "server: SIP Server must be \"This VTO\"");
        }
        const std::string user = room + "#99";
        const auto port = transport_->local(sip::Transport::Udp).port;
        if (auto ok =
                monitor().start(user, (*found)->password, "127.0.0.1:" + std::to_string(port));
            !ok) {
          return api::error_response(ok.error());
        }
        auth_->audit(who, "sim_input", "monitor " + user + " started");
        return api::json_response(200, state());
      }));
  http_->route(
      "DELETE", "/api/v1/sim/monitor",
      auth_->guard(store::Role::Operator,
                   [this, monitor, state](const web::HttpRequest&, const api::Principal& who) {
                     monitor().stop();
                     auth_->audit(who, "sim_input", "monitor stopped");
                     return api::json_response(200, state());
                   }));
  for (const std::string action : {"answer", "hangup", "open"}) {
    http_->route("POST", "/api/v1/sim/monitor/" + action,
                 auth_->guard(store::Role::Operator, [this, monitor, state, action](
                                                         const web::HttpRequest&,
                                                         const api::Principal& who) {
                   Result<void> done;
                   if (action == "answer") {
                     done = monitor().answer();
                   } else if (action == "hangup") {
                     done = monitor().hang_up();
                   } else if (options_.unlock_code.empty()) {
                     return web::json_error(409,
                                            "no unlock code is set (vtod --unlock-code): a monitor "
                                            "cannot open the door");
                   } else {
                     done = monitor().send_digits(options_.unlock_code + "#");
                   }
                   if (!done) return api::error_response(done.error());
                   auth_->audit(who, "sim_input", "monitor " + action);
                   return api::json_response(200, state());
                 }));
  }
}

// The volumes: talk (what the speaker plays of a call), microphone and ring (the panel's
// tones: ringback, busy, keys), 0 to 100 each; saved as the setting "sound", applied to the
// calls running and those to come. GET (viewer), PUT (admin).
void Station::add_sound_routes() {
  struct Sound {
    int talk = 100, microphone = 100, ring = 50;
  };
  const auto load = [this] {
    Sound s;
    if (auto saved = settings_->get("sound"); saved && *saved) {
      const json j = json::parse(**saved, nullptr, false);
      for (auto [name, field] : {std::pair{"talk", &s.talk}, std::pair{"microphone", &s.microphone},
                                 std::pair{"ring", &s.ring}}) {
        if (j.is_object() && j.contains(name) && j[name].is_number_integer()) {
          *field = std::clamp(j[name].get<int>(), 0, 100);
        }
      }
    }
    return s;
  };
  const auto apply = [this](const Sound& s) {
    door_media_->set_gains(s.talk / 100.0, s.microphone / 100.0);
    tones_->set_volume(s.ring / 100.0);
  };
  const auto to_json = [](const Sound& s) {
    return json{{"talk", s.talk}, {"microphone", s.microphone}, {"ring", s.ring}};
  };
  apply(load());
  http_->route("GET", "/api/v1/settings/sound",
               auth_->guard(store::Role::Viewer,
                            [load, to_json](const web::HttpRequest&, const api::Principal&) {
                              return api::json_response(200, to_json(load()));
                            }));
  http_->route(
      "PUT", "/api/v1/settings/sound",
      auth_->guard(store::Role::Admin, [this, load, apply, to_json](const web::HttpRequest& req,
                                                                    const api::Principal& who) {
        auto body = api::object_body(req);
        if (!body) return api::error_response(body.error());
        Sound s = load();
        for (auto [name, field] :
             {std::pair{"talk", &s.talk}, std::pair{"microphone", &s.microphone},
              std::pair{"ring", &s.ring}}) {
          if (!body->contains(name)) continue;
          const json& v = (*body)[name];
          if (!v.is_number_integer() || v.get<int>() < 0 || v.get<int>() > 100) {
            return api::field_error(name, "range", "0 to 100");
          }
          *field = v.get<int>();
        }
        if (auto ok = settings_->set("sound", to_json(s).dump()); !ok) {
          return api::error_response(ok.error());
        }
        apply(s);
        auth_->audit(who, "settings_changed", "sound: " + to_json(s).dump());
        return api::json_response(200, to_json(s));
      }));
}

}  // namespace vto::app
