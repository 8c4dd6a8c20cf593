// A device key kept outside the database: DATA/keys/NAME (the directory 0700, the file
// 0600), made of random bytes at first use and read back afterwards. Two processes making
// it at once end with the same key (the file is linked under its name only when whole).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace vto::core {

// The key DATA/keys/`name` of `size` bytes; Errc::Io when it cannot be read or made, or
// when the file there has another size.
Result<std::vector<std::uint8_t>> read_or_make_key(const std::string& data_dir,
                                                   const std::string& name, std::size_t size);

}  // namespace vto::core
