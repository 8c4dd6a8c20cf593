// CSV as the record exports and the card list write it (RFC 4180): a header row, then one
// row per item, CRLF line ends, fields quoted when they hold a comma, a quote or a line
// break.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace vto::store {

// One field of a CSV line: quoted when it holds a comma, a quote or a line break. A field
// that a spreadsheet would run as a formula (=, +, -, @ first) gets a leading ': names
// come from the network.
std::string csv_field(std::string_view field);

// A CSV text: the header, then one line per row; every line ends with CRLF.
class Csv {
 public:
  explicit Csv(std::initializer_list<std::string_view> columns);
  Csv& text(std::string_view field);  // a field as it is
  Csv& number(std::int64_t value);
  Csv& end_row();
  const std::string& str() const { return out_; }

 private:
  void separate();

  std::string out_;
  bool row_started_ = false;
};

}  // namespace vto::store
