// vtoctl: manages the building directory (rooms, VTOs, the management centre's password),
// initializes the device (its first admin account), resets passwords and makes API tokens
// in vtod's data directory, with local access: for scripted installs, tests and recovery. Safe
// while vtod runs: both share the SQLite file (WAL, busy timeout) and vtod reads the store at every
// lookup. Exit codes: 0 done, 1 a rule was broken or the thing was not found (stderr names the
// field and the rule), 2 usage error.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "accounts/digest_keys.h"
#include "accounts/password_hash.h"
#include "accounts/password_rules.h"
#include "api_client.h"
#include "store/api_tokens.h"
#include "store/audit_log.h"
#include "store/backup.h"
#include "store/database.h"
#include "store/directory.h"
#include "store/estate_export.h"
#include "store/users.h"

namespace {

using vto::store::Directory;
using vto::store::Room;
using vto::store::Vto;

constexpr int kExitOk = 0;
constexpr int kExitRule = 1;
constexpr int kExitUsage = 2;
constexpr const char* kHidden = "***";

// A password given as --password P or read as one line from stdin (--password-stdin).
struct PasswordSource {
  std::string value;
  bool from_stdin = false;

  void add_to(CLI::App& cmd, const std::string& what) {
    auto* opt = cmd.add_option("--password", value, what);
    cmd.add_flag("--password-stdin", from_stdin, "read the password as one line from stdin")
        ->excludes(opt);
  }
  bool given(const CLI::App& cmd) const { return from_stdin || cmd.count("--password") > 0; }
  std::string read() const {
    if (!from_stdin) return value;
    std::string line;
    std::getline(std::cin, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What local access changed, in the audit log the web interface shows.
void audit(vto::store::Database& db, const std::string& action, const std::string& detail) {
  if (auto r = vto::store::AuditLog(db).add({0, now_ms(), "vtoctl", "local", action, detail}); !r) {
    std::cerr << "vtoctl: warning: audit log: " << r.error().message << "\n";
  }
}

int fail(const std::string& message, int code = kExitRule) {
  std::cerr << "vtoctl: " << message << "\n";
  return code;
}

template <class T>
int report(const vto::Result<T>& result, const std::string& done) {
  if (!result) return fail(result.error().message);
  std::cout << done << "\n";
  return kExitOk;
}

// Display width of UTF-8 text (code points; good enough for names in a table).
std::size_t width_of(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  }));
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], width_of(row[i]));
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - width_of(row[i]) + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

void print_json(const nlohmann::ordered_json& doc) {
  std::cout << doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

int print_rooms(const vto::Result<std::vector<Room>>& rooms, bool json) {
  if (!rooms) return fail(rooms.error().message);
  if (json) {
    auto doc = nlohmann::ordered_json::array();
    for (const auto& r : *rooms) {
      doc.push_back({{"number", r.number},
                     {"first_name", r.first_name},
                     {"last_name", r.last_name},
                     {"nick_name", r.nick_name},
                     {"register_type", r.register_type},
                     {"password", kHidden}});
    }
    print_json(doc);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {
      {"ROOM", "FIRST NAME", "LAST NAME", "NICK NAME", "TYPE", "PASSWORD"}};
  for (const auto& r : *rooms) {
    rows.push_back({r.number, r.first_name, r.last_name, r.nick_name, r.register_type, kHidden});
  }
  print_table(rows);
  return kExitOk;
}

int print_vtos(const vto::Result<std::vector<Vto>>& vtos, bool json) {
  if (!vtos) return fail(vtos.error().message);
  if (json) {
    auto doc = nlohmann::ordered_json::array();
    for (const auto& v : *vtos) {
      doc.push_back({{"number", v.number},
                     {"building", v.building},
                     {"unit", v.unit},
                     {"ip", v.ip},
                     {"password", kHidden}});
    }
    print_json(doc);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows = {{"VTO", "BUILDING", "UNIT", "IP", "PASSWORD"}};
  for (const auto& v : *vtos) rows.push_back({v.number, v.building, v.unit, v.ip, kHidden});
  print_table(rows);
  return kExitOk;
}

// An API answer as vtoctl reports it: the error's message (and exit 1) for a refusal.
vto::Result<nlohmann::json> api_result(const vto::Result<vto::tools::ApiAnswer>& answer) {
  if (!answer) return answer.error();
  if (answer->status >= 400) {
    const auto& b = answer->body;
    std::string message = b.is_object() && b.contains("error") && b["error"].is_string()
                              ? b["error"].get<std::string>()
                              : "HTTP " + std::to_string(answer->status);
    if (answer->status == 401 || answer->status == 403) message += " (the token's role?)";
    return vto::make_error(message);
  }
  return answer->body;
}

std::string text_of(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

vto::Result<std::vector<Room>> rooms_from_api(const vto::tools::ApiClient& api) {
  auto got = api_result(api.call("GET", "/api/v1/rooms"));
  if (!got) return got.error();
  std::vector<Room> rooms;
  for (const auto& r : (*got)["rooms"]) {
    rooms.push_back(Room{text_of(r, "number"), text_of(r, "first_name"), text_of(r, "last_name"),
                         text_of(r, "nick_name"), text_of(r, "register_type"), ""});
  }
  return rooms;
}

vto::Result<std::vector<Vto>> vtos_from_api(const vto::tools::ApiClient& api) {
  auto got = api_result(api.call("GET", "/api/v1/vtos"));
  if (!got) return got.error();
  std::vector<Vto> vtos;
  for (const auto& v : (*got)["vtos"]) {
    vtos.push_back(Vto{text_of(v, "number"), "", text_of(v, "building"), text_of(v, "unit"),
                       text_of(v, "ip")});
  }
  return vtos;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : " ") + item;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vtoctl: manage the OpenVTO building directory (rooms, VTOs, centre)"};
  app.require_subcommand(1);
  app.fallthrough();
  std::string data_dir = "/var/lib/openvto";
  app.add_option("--data", data_dir, "data directory (holds openvto.db)")->capture_default_str();
  std::string api_url, api_token, api_ca;
  app.add_option("--api", api_url,
                 "manage rooms and VTOs through vtod's API at https://HOST:PORT instead of the "
                 "database (same checks, live effects and audit log as the web interface)");
  app.add_option("--token", api_token, "API token for --api (default: $VTO_API_TOKEN)");
  app.add_option("--cacert", api_ca,
                 "certificate the station's must match for --api (default: DATA/tls/cert.pem)");

  auto* room = app.add_subcommand("room", "Room No. management")->require_subcommand(1);
  auto* vto_cmd = app.add_subcommand("vto", "VTO No. management")->require_subcommand(1);
  auto* centre =
      app.add_subcommand("centre", "the management centre (888888)")->require_subcommand(1);
  PasswordSource admin_password;
  std::string admin_email;
  auto* init = app.add_subcommand(
      "init", "initialize the device: create the admin account (only while none exists)");
  admin_password.add_to(*init, "the admin's password (the web interface's rules apply)");
  init->add_option("--email", admin_email, "e-mail address for password resets (optional)");

  PasswordSource reset_password;
  std::string reset_user = "admin";
  auto* reset = app.add_subcommand(
      "reset", "set a new password for an account (local access; ends nothing else)");
  reset->add_option("--user", reset_user, "the account (default: admin)")->capture_default_str();
  reset_password.add_to(*reset, "the new password (the web interface's rules apply)");

  // Configuration backup and restore (store/backup.h), the passphrase from stdin only: a
  // command line is seen by every user of the machine.
  std::string backup_out, restore_in;
  bool restore_preview = false;
  auto* backup_cmd = app.add_subcommand(
      "backup", "write the configuration, sealed with a passphrase read from stdin, to a file");
  backup_cmd->add_option("--out", backup_out, "the backup file to write")->required();
  auto* restore_cmd = app.add_subcommand(
      "restore",
      "replace the configuration by a backup's (passphrase read from stdin); restart "
      "vtod afterwards");
  restore_cmd->add_option("file", restore_in, "the backup file")->required();
  restore_cmd->add_flag("--preview", restore_preview, "say what would change, change nothing");

  auto* user_cmd = app.add_subcommand("user", "web accounts")->require_subcommand(1);
  std::string legacy_user, legacy_state;
  PasswordSource legacy_password;
  auto* user_legacy = user_cmd->add_subcommand(
      "legacy-digest",
      "keep the MD5 digest key of an account (players and NVRs that speak only MD5) or drop it");
  user_legacy->add_option("name", legacy_user, "the account")->required();
  user_legacy->add_option("state", legacy_state, "on or off")
      ->required()
      ->check(CLI::IsMember({"on", "off"}));
  legacy_password.add_to(*user_legacy, "the account's password (checked; needed for on)");

  auto* token = app.add_subcommand("token", "API tokens for scripts")->require_subcommand(1);
  std::string token_name = "vtoctl";
  std::string token_role;
  auto* token_create = token->add_subcommand("create", "create a token and print it (shown once)");
  token_create->add_option("--role", token_role, "admin, operator or viewer")
      ->required()
      ->check(CLI::IsMember({"admin", "operator", "viewer"}));
  token_create->add_option("--name", token_name, "what the token is for")->capture_default_str();
  int token_days = vto::store::kDefaultTokenDays;
  token_create->add_option("--days", token_days, "days the token is good for")
      ->capture_default_str()
      ->check(CLI::Range(1, vto::store::kMaxTokenDays));
  auto* token_list = token->add_subcommand("list", "list the tokens (never their secrets)");
  std::int64_t token_id = 0;
  auto* token_revoke = token->add_subcommand("revoke", "revoke a token");
  token_revoke->add_option("id", token_id, "the token's id (see token list)")->required();

  Room new_room;
  PasswordSource room_password;
  auto* room_add = room->add_subcommand("add", "add one room");
  room_add->add_option("number", new_room.number, "room number (1-6 letters or digits)")
      ->required();
  room_password.add_to(*room_add, "register password of the room's monitors");
  room_add->add_option("--first-name", new_room.first_name, "first name");
  room_add->add_option("--last-name", new_room.last_name, "last name");
  room_add->add_option("--nick-name", new_room.nick_name, "nick name");
  room_add->add_option("--register-type", new_room.register_type, "public or local")
      ->capture_default_str();

  vto::store::RoomBatch batch;
  Room batch_template;
  auto* room_batch =
      room->add_subcommand("add-batch",
                           "add floors x rooms per floor at once (all or none), each with a "
                           "random register password of its own, printed once as CSV");
  room_batch->add_option("--floors", batch.floors, "number of floors (1-99)")->required();
  room_batch->add_option("--rooms-per-floor", batch.rooms_per_floor, "rooms per floor (1-99)")
      ->required();
  room_batch
      ->add_option("--first-floor", batch.first_floor_first_room,
                   "first room of the first floor, e.g. 101")
      ->required();
  room_batch->add_option("--second-floor", batch.second_floor_first_room,
                         "first room of the second floor, e.g. 201 (needed when floors > 1)");
  room_batch->add_option("--register-type", batch_template.register_type, "public or local")
      ->capture_default_str();

  std::string number;
  auto* room_remove = room->add_subcommand("remove", "remove one room");
  room_remove->add_option("number", number, "room number")->required();
  auto* room_clear = room->add_subcommand("clear", "remove every room");
  bool json = false;
  auto* room_list = room->add_subcommand("list", "list the rooms (passwords shown as ***)");
  room_list->add_flag("--json", json, "print JSON");

  Vto new_vto;
  PasswordSource vto_password;
  auto* vto_add = vto_cmd->add_subcommand("add", "add a VTO (this one included)");
  vto_add->add_option("number", new_vto.number, "VTO No. (1-5 digits)")->required();
  vto_password.add_to(*vto_add, "register password of that VTO");
  vto_add->add_option("--building", new_vto.building, "building number (1-3 digits)");
  vto_add->add_option("--unit", new_vto.unit, "unit number (1-3 digits)");
  vto_add->add_option("--ip", new_vto.ip, "IP address of that VTO");
  auto* vto_remove = vto_cmd->add_subcommand("remove", "remove a VTO");
  vto_remove->add_option("number", number, "VTO No.")->required();
  auto* vto_list = vto_cmd->add_subcommand("list", "list the VTOs (passwords shown as ***)");
  vto_list->add_flag("--json", json, "print JSON");

  PasswordSource centre_password;
  auto* centre_set = centre->add_subcommand("set", "set the centre's register password");
  centre_password.add_to(*centre_set, "register password of 888888");
  auto* centre_clear =
      centre->add_subcommand("clear", "remove the centre's password (it can no longer register)");
  auto* centre_show = centre->add_subcommand("show", "say whether the centre has a password");

  auto* estate = app.add_subcommand("estate", "an estate's SIP platform (Kamailio, docs/estate.md)")
                     ->require_subcommand(1);
  std::string estate_sqlite, estate_domain;
  auto* estate_export = estate->add_subcommand(
      "export", "write the building's SIP accounts to Kamailio's subscriber table (SQLite)");
  estate_export->add_option("--sqlite", estate_sqlite, "the SQLite file (made if missing)")
      ->required();
  estate_export->add_option("--domain", estate_domain, "the estate's SIP domain (the digest realm)")
      ->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  for (auto [cmd, source] : {std::pair{room_add, &room_password}, std::pair{vto_add, &vto_password},
                             std::pair{centre_set, &centre_password},
                             std::pair{init, &admin_password}, std::pair{reset, &reset_password}}) {
    if (cmd->parsed() && !source->given(*cmd)) {
      return fail(cmd->get_parent()->get_name() + " " + cmd->get_name() +
                      ": --password or --password-stdin is required",
                  kExitUsage);
    }
  }

  if (!api_url.empty()) {
    if (api_token.empty()) {
      if (const char* env = std::getenv("VTO_API_TOKEN")) api_token = env;
    }
    auto client = vto::tools::ApiClient::create(
        api_url, api_token, api_ca.empty() ? data_dir + "/tls/cert.pem" : api_ca);
    if (!client) return fail(client.error().message, kExitUsage);
    const auto& api = *client;
    // Numbers go into the request's path: letters and digits only (the numbering plan's).
    if (number.find_first_not_of(
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") !=
        std::string::npos) {
      return fail("number \"" + number + "\": letters and digits only");
    }
    const auto done = [](const vto::Result<nlohmann::json>& r, const std::string& what) {
      if (!r) return fail(r.error().message);
      std::cout << what << "\n";
      return kExitOk;
    };
    if (room_add->parsed()) {
      nlohmann::json body{
          {"number", new_room.number},         {"password", room_password.read()},
          {"first_name", new_room.first_name}, {"last_name", new_room.last_name},
          {"nick_name", new_room.nick_name},   {"register_type", new_room.register_type}};
      return done(api_result(api.call("POST", "/api/v1/rooms", body)),
                  "room " + new_room.number + " added");
    }
    if (room_batch->parsed()) {
      nlohmann::json body{{"floors", batch.floors},
                          {"rooms_per_floor", batch.rooms_per_floor},
                          {"first_floor_first_room", batch.first_floor_first_room},
                          {"second_floor_first_room", batch.second_floor_first_room},
                          {"register_type", batch_template.register_type}};
      auto added = api_result(api.call("POST", "/api/v1/rooms/batch", body));
      if (!added) return fail(added.error().message);
      std::cout << "room,password\n";
      for (const auto& r : (*added)["rooms"]) {
        std::cout << r["number"].get<std::string>() << "," << r["password"].get<std::string>()
                  << "\n";
      }
      std::vector<std::string> numbers = (*added)["added"].get<std::vector<std::string>>();
      std::cout << numbers.size() << " rooms added: " << join(numbers) << "\n";
      return kExitOk;
    }
    if (room_remove->parsed())
      return done(api_result(api.call("DELETE", "/api/v1/rooms/" + number)),
                  "room " + number + " removed");
    if (room_clear->parsed())
      return done(api_result(api.call("DELETE", "/api/v1/rooms")), "all rooms removed");
    if (room_list->parsed()) return print_rooms(rooms_from_api(api), json);
    if (vto_add->parsed()) {
      nlohmann::json body{{"number", new_vto.number},
                          {"password", vto_password.read()},
                          {"building", new_vto.building},
                          {"unit", new_vto.unit},
                          {"ip", new_vto.ip}};
      return done(api_result(api.call("POST", "/api/v1/vtos", body)),
                  "VTO " + new_vto.number + " added");
    }
    if (vto_remove->parsed())
      return done(api_result(api.call("DELETE", "/api/v1/vtos/" + number)),
                  "VTO " + number + " removed");
    if (vto_list->parsed()) return print_vtos(vtos_from_api(api), json);
    return fail("--api manages rooms and VTOs; the other commands need local access (--data)",
                kExitUsage);
  }

  auto db = vto::store::Database::open(data_dir);
  if (!db) return fail(db.error().message);
  Directory dir(**db);
  // A change made with local access, reported and written to the audit log.
  const auto changed = [&db](const vto::Result<void>& result, const std::string& done,
                             const std::string& action = "settings_changed") {
    if (result) audit(**db, action, done);
    return report(result, done);
  };

  if (backup_cmd->parsed() || restore_cmd->parsed()) {
    std::string passphrase;
    std::getline(std::cin, passphrase);
    if (!passphrase.empty() && passphrase.back() == '\r') passphrase.pop_back();
    if (backup_cmd->parsed()) {
      auto file = vto::store::make_backup(**db, passphrase, now_ms());
      if (!file) return fail(file.error().message);
      std::ofstream out(backup_out, std::ios::binary | std::ios::trunc);
      out << *file;
      out.close();
      if (!out) return fail(backup_out + ": not written", kExitRule);
      std::filesystem::permissions(
          backup_out, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
      audit(**db, "backup_made", "configuration backup written to " + backup_out);
      std::cout << "backup written to " << backup_out << "\n";
      return kExitOk;
    }
    std::ifstream in(restore_in, std::ios::binary);
    if (!in) return fail(restore_in + ": cannot be read");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto content = vto::store::open_backup(text, passphrase);
    if (!content) return fail(content.error().message);
    auto what = vto::store::preview_restore(**db, *content);
    if (!what) return fail(what.error().message);
    for (const auto& [kind, c] : what->counts) {
      std::cout << kind << ": " << c.now << " now, " << c.backup << " in the backup\n";
    }
    std::cout << "settings that change: " << what->settings_changed.size() << "\n";
    if (restore_preview) return kExitOk;
    if (auto ok = vto::store::restore_backup(**db, *content); !ok) return fail(ok.error().message);
    audit(**db, "config_restored", "configuration restored from " + restore_in);
    std::cout << "configuration restored: restart vtod to use it\n";
    return kExitOk;
  }
  if (room_add->parsed()) {
    new_room.password = room_password.read();
    return changed(dir.add_room(new_room), "room " + new_room.number + " added");
  }
  if (room_batch->parsed()) {
    auto added = dir.add_rooms_batch(batch, batch_template);
    if (!added) return fail(added.error().message);
    // Each room's own password, once, as CSV for the installer to hand out.
    std::cout << "room,password\n";
    for (const auto& r : *added) std::cout << r.number << "," << r.password << "\n";
    std::cerr << added->size() << " rooms added\n";
    audit(**db, "settings_changed", std::to_string(added->size()) + " rooms added (batch)");
    return kExitOk;
  }
  if (room_remove->parsed()) return changed(dir.remove_room(number), "room " + number + " removed");
  if (room_clear->parsed()) return changed(dir.clear_rooms(), "all rooms removed");
  if (room_list->parsed()) return print_rooms(dir.list_rooms(), json);
  if (vto_add->parsed()) {
    new_vto.password = vto_password.read();
    return changed(dir.add_vto(new_vto), "VTO " + new_vto.number + " added");
  }
  if (vto_remove->parsed()) return changed(dir.remove_vto(number), "VTO " + number + " removed");
  if (vto_list->parsed()) return print_vtos(dir.list_vtos(), json);
  if (centre_set->parsed()) {
    return changed(dir.set_centre_password(centre_password.read()), "centre 888888 password set");
  }
  if (centre_clear->parsed()) {
    return changed(dir.set_centre_password(std::nullopt),
                   "centre 888888 password cleared; it can no longer register");
  }
  if (init->parsed()) {
    const std::string password = admin_password.read();
    if (auto broken = vto::accounts::check_password(password, "admin")) {
      return fail("password: " + broken->message + " (rule " +
                  std::string(vto::accounts::rule_id(broken->rule)) + ")");
    }
    vto::store::Users users(**db);
    if (auto done = users.initialized(); !done) {
      return fail(done.error().message);
    } else if (*done) {
      return fail("the device is already initialized");
    }
    auto hash = vto::accounts::hash_password(password);
    if (!hash) return fail(hash.error().message);
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return changed(
        users.initialize(vto::store::User{"admin", vto::store::Role::Admin, *hash, admin_email, now,
                                          vto::accounts::digest_keys("admin", password)}),
        "initialized: the admin account is \"admin\"", "init");
  }
  if (reset->parsed()) {
    const std::string password = reset_password.read();
    if (auto broken = vto::accounts::check_password(password, reset_user)) {
      return fail("password: " + broken->message + " (rule " +
                  std::string(vto::accounts::rule_id(broken->rule)) + ")");
    }
    vto::store::Users users(**db);
    auto hash = vto::accounts::hash_password(password);
    if (!hash) return fail(hash.error().message);
    if (auto done = users.set_password_hash(reset_user, *hash,
                                            vto::accounts::digest_keys(reset_user, password));
        !done) {
      return fail(done.error().message);
    }
    audit(**db, "password_reset", "password of " + reset_user + " reset");
    std::cout << "password of " << reset_user << " reset\n";
    return kExitOk;
  }
  if (user_legacy->parsed()) {
    const bool on = legacy_state == "on";
    if (on && !legacy_password.given(*user_legacy)) {
      return fail(
          "user legacy-digest: on needs the account's password (--password or "
          "--password-stdin): the MD5 key is made from it",
          kExitUsage);
    }
    vto::store::Users users(**db);
    auto account = users.find(legacy_user);
    if (!account) return fail(account.error().message);
    if (!*account) return fail("user \"" + legacy_user + "\": not found");
    std::string key;
    if (on) {
      const std::string password = legacy_password.read();
      if (!vto::accounts::verify_password((*account)->password_hash, password)) {
        audit(**db, "legacy_digest_failed", "wrong password for " + legacy_user);
        return fail("user " + legacy_user + ": not the account's password");
      }
      key = vto::accounts::digest_keys(legacy_user, password).md5;
    }
    return changed(users.set_legacy_digest(legacy_user, on, key),
                   "legacy digest of " + legacy_user + ": " + legacy_state, "legacy_digest");
  }
  if (token_create->parsed()) {
    vto::store::ApiTokens tokens(**db);
    auto created = tokens.create(token_name, *vto::store::parse_role(token_role), "vtoctl",
                                 now_ms(), now_ms() + std::int64_t{token_days} * 24 * 3600 * 1000);
    if (!created) return fail(created.error().message);
    audit(**db, "token_created", token_name + " (" + token_role + ")");
    std::cout << created->secret << "\n";
    return kExitOk;
  }
  if (token_list->parsed()) {
    auto list = vto::store::ApiTokens(**db).list();
    if (!list) return fail(list.error().message);
    for (const auto& t : *list) {
      std::cout << t.id << "\t" << t.name << "\t" << vto::store::role_name(t.role) << "\t"
                << t.created_by << "\n";
    }
    return kExitOk;
  }
  if (token_revoke->parsed()) {
    return changed(vto::store::ApiTokens(**db).revoke(token_id),
                   "token " + std::to_string(token_id) + " revoked", "token_revoked");
  }
  if (estate_export->parsed()) {
    auto done = vto::store::export_estate(dir, estate_sqlite, estate_domain);
    if (!done) return fail(done.error().message);
    std::cout << estate_sqlite << ": " << done->devices << " devices of " << done->rooms
              << " rooms, " << done->vtos << " VTOs" << (done->centre ? ", the centre 888888" : "")
              << " for " << estate_domain << "\n";
    audit(**db, "estate_exported", estate_sqlite + " for " + estate_domain);
    return kExitOk;
  }
  if (centre_show->parsed()) {
    auto password = dir.centre_password();
    if (!password) return fail(password.error().message);
    std::cout << "centre 888888: " << (*password ? "password set" : "no password (cannot register)")
              << "\n";
    return kExitOk;
  }
  return fail("nothing to do", kExitUsage);
}
