// A configuration backup file as an administrator uploads it (POST /api/v1/system/restore,
// vtoctl restore): the JSON header, its base64 fields, the key derivation's limits and the
// sealed content. Whatever the bytes, open_backup() answers a content or an error, never
// crashes, and never asks for a key derivation beyond its limits. The seeds are backups made
// with the smallest derivation the format allows, so that the fuzzer reaches the sealed part.
#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "store/backup.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view file(reinterpret_cast<const char*>(data), size);
  auto opened = vto::store::open_backup(file, "fuzz passphrase");
  if (opened) {
    // Only a file sealed with this passphrase opens: its tables are checked in shape.
    if (!opened->tables.is_object()) __builtin_trap();
    for (const auto& t : vto::store::backup_tables()) {
      if (!opened->tables.contains(t)) __builtin_trap();
    }
  }
  return 0;
}
