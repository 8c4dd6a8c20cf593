// The building's SIP accounts for an estate's Kamailio (deploy/kamailio, docs/estate.md):
// Kamailio's `subscriber` table (auth_db, schema version 7) in an SQLite file, with the
// digest keys only (ha1 = MD5(user:domain:password), ha1b = MD5(user@domain:domain:password);
// the password column empty): each room's ten devices <room>#0 ... <room>#9 with the room's
// register password (each also as <room>%23<n>, the way baresip and Linphone write the
// digest's username), each VTO with its own, and the management centre 888888 when it has one.
#pragma once

#include <cstddef>
#include <string>

#include "core/result.h"
#include "store/directory.h"

namespace vto::store {

inline constexpr int kDevicesPerRoom = 10;  // <room>#0 ... <room>#9, the product's rule

struct EstateExport {
  std::size_t rooms = 0, devices = 0, vtos = 0;
  bool centre = false;
};

// Writes (or replaces the rows of) the subscriber table of the SQLite file `path` for
// `domain` (the estate's SIP domain, also the digest realm), from `directory`. Rows of other
// domains are kept, so one file can hold several buildings of the estate.
Result<EstateExport> export_estate(Directory& directory, const std::string& path,
                                   const std::string& domain);

}  // namespace vto::store
