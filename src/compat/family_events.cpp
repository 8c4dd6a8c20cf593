#include "compat/family_events.h"

#include <ctime>

#include "core/text.h"

namespace vto::compat {

using nlohmann::json;
using Kind = station::DoorEvent::Kind;

namespace {

// The family's unlock methods (the AccessControl event's Method).
int method_code(std::string_view method) {
  if (method == records::kByPassword) return 0;
  if (method == records::kByCard) return 1;
  if (method == records::kByRemote || method == records::kByMonitor) return 4;
  if (method == records::kByExitButton) return 5;
  if (method == records::kByFingerprint) return 6;
  return 4;
}

}  // namespace

const std::set<std::string, std::less<>>& family_codes() {
  static const std::set<std::string, std::less<>> codes = {
      "BackKeyLight", "Invite",        "CallNoAnswered", "PassiveHungup",
      "DoorStatus",   "AccessControl", "AlarmLocal",     "SIPRegisterResult"};
  return codes;
}

std::string safe_text(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= 128) break;
    if (c >= 0x80) {
      // One '_' per UTF-8 character, not per byte.
      if ((c & 0xC0) == 0x80) continue;
      out += '_';
      continue;
    }
    const bool plain =
        c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '\'' && c != ';' && c != '=';
    out += plain ? static_cast<char>(c) : '_';
  }
  return out;
}

json safe_json(const json& value) {
  if (value.is_string()) return safe_text(value.get_ref<const std::string&>());
  if (value.is_array()) {
    json out = json::array();
    for (const auto& v : value) out.push_back(safe_json(v));
    return out;
  }
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : value.items()) out[safe_text(k)] = safe_json(v);
    return out;
  }
  if (value.is_number_float()) return static_cast<std::int64_t>(value.get<double>());
  return value;
}

std::string local_time_text(std::int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  return text;
}

std::vector<FamilyEvent> translate(const station::DoorEvent& e,
                                   const std::function<std::string(std::int64_t)>& local_time) {
  std::vector<FamilyEvent> out;
  const auto add = [&](std::string code, std::string action, json data) {
    data["LocaleTime"] = local_time(e.at_ms);
    data["UTC"] = e.at_ms / 1000;
    out.push_back({std::move(code), std::move(action), 0, safe_json(data)});
  };
  const auto call_data = [&] {
    return json{{"CallID", std::to_string(e.call)},
                {"UserID", e.number},
                {"LockNum", 1},
                {"IsEncryptedStream", false},
                {"SupportPaas", false}};
  };
  switch (e.kind) {
    case Kind::CallStarted:
      add("BackKeyLight", "Pulse", {{"State", 1}});
      add("Invite", "Start", call_data());
      add("CallNoAnswered", "Start", call_data());
      break;
    case Kind::CallAnswered:
      add("BackKeyLight", "Pulse", {{"State", 5}});
      add("CallNoAnswered", "Stop", call_data());
      break;
    case Kind::CallEnded:
      if (!e.answered) {
        add("BackKeyLight", "Pulse", {{"State", 6}});
        add("CallNoAnswered", "Stop", call_data());
      }
      add("PassiveHungup", "Start", call_data());
      add("PassiveHungup", "Stop", call_data());
      add("Invite", "Stop", call_data());
      add("BackKeyLight", "Pulse", {{"State", 0}});
      break;
    case Kind::DoorOpened:
      add("DoorStatus", "Pulse", {{"Status", "Open"}});
      break;
    case Kind::DoorClosed:
      add("DoorStatus", "Pulse", {{"Status", "Close"}});
      break;
    case Kind::Unlock: {
      const records::UnlockRecord& r = e.unlock;
      const bool card = r.method == records::kByCard;
      std::string user = !r.room.empty() ? r.room : r.person;
      if (user.empty() && (r.method == records::kByRemote || r.method == records::kByMonitor))
        user = r.credential;
      add("AccessControl", "Pulse",
          {{"CardNo", card ? r.credential : ""},
           {"CardType", 0},
           {"Method", method_code(r.method)},
           {"Name", "OpenDoor"},
           {"ReaderID", "1"},
           {"RecNo", r.id},
           {"Status", r.result == records::kGranted ? 1 : 0},
           {"Type", "Entry"},
           {"UserID", user},
           {"ErrorCode", r.result == records::kGranted ? 0 : 16}});
      break;
    }
    case Kind::AlarmStarted:
    case Kind::AlarmEnded:
      add("AlarmLocal", e.kind == Kind::AlarmStarted ? "Start" : "Stop",
          {{"Name", e.alarm_type}, {"AlarmID", e.alarm_id}});
      break;
    case Kind::Registration:
      add("SIPRegisterResult", "Pulse", {{"Success", e.ok}});
      break;
  }
  return out;
}

std::string cgi_body(const FamilyEvent& e) {
  std::string body = "Code=" + e.code + ";action=" + e.action + ";index=" + std::to_string(e.index);
  if (!e.data.empty()) body += ";data=" + e.data.dump();
  return body;
}

json dhip_entry(const FamilyEvent& e) {
  return json{{"Action", e.action}, {"Code", e.code}, {"Data", e.data}, {"Index", e.index}};
}

std::set<std::string, std::less<>> parse_codes(std::string_view text) {
  std::string t;
  for (char c : text)
    if (c != ' ' && c != '[' && c != ']') t += c;
  std::set<std::string, std::less<>> codes;
  std::size_t start = 0;
  while (start <= t.size()) {
    const auto comma = t.find(',', start);
    const std::string code = t.substr(start, comma == std::string::npos ? t.npos : comma - start);
    if (code == "All") return {};
    if (!code.empty() && codes.size() < 64) codes.insert(code);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return codes;
}

bool wanted(const std::set<std::string, std::less<>>& codes, std::string_view code) {
  return codes.empty() || codes.contains(code);
}

}  // namespace vto::compat
