#include "records/call_csv.h"

namespace vto::records {

std::string csv_field(std::string_view field) {
  std::string text;
  if (!field.empty() && std::string_view("=+-@").find(field.front()) != std::string_view::npos) {
    text = "'";
  }
  text += field;
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string_view calls_csv_header() {
  return "id,started_ms,ended_ms,caller,called,answered_by,result,duration_s,snapshot_path";
}

std::string calls_csv(const std::vector<CallRecord>& records) {
  std::string out(calls_csv_header());
  out += "\r\n";
  for (const auto& r : records) {
    out += std::to_string(r.id) + ',' + std::to_string(r.started_ms) + ',' +
           std::to_string(r.ended_ms) + ',' + csv_field(r.caller) + ',' + csv_field(r.called) +
           ',' + csv_field(r.answered_by) + ',' + csv_field(r.result) + ',' +
           std::to_string(r.duration_s) + ',' + csv_field(r.snapshot_path.value_or("")) + "\r\n";
  }
  return out;
}

}  // namespace vto::records
