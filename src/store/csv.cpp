#include "store/csv.h"

namespace vto::store {

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

Csv::Csv(std::initializer_list<std::string_view> columns) {
  for (std::string_view column : columns) text(column);
  end_row();
}

void Csv::separate() {
  if (row_started_) out_ += ',';
  row_started_ = true;
}

Csv& Csv::text(std::string_view field) {
  separate();
  out_ += csv_field(field);
  return *this;
}

Csv& Csv::number(std::int64_t value) {
  separate();
  out_ += std::to_string(value);
  return *this;
}

Csv& Csv::end_row() {
  out_ += "\r\n";
  row_started_ = false;
  return *this;
}

}  // namespace vto::store
