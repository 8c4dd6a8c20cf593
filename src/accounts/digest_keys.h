// The digest keys of a web account's password: H(user:realm:password) in MD5 and SHA-256
// (RFC 7616 §3.4.2, the "HA1" a digest server may keep instead of the password). Players and
// NVRs only speak digest authentication (RTSP, /cgi-bin/snapshot.cgi), and a server that
// keeps nothing but an Argon2id hash cannot check their answers; so these are written when a
// password is set, and at the next login for accounts made before them.
// They are password equivalents for that realm only: kept in the database beside the hash,
// which is owner-only (see docs/architecture.md, security notes).
#pragma once

#include <string>
#include <string_view>

#include "store/users.h"

namespace vto::accounts {

// The realm of every digest challenge of the web accounts (HTTP and RTSP). Fixed: the keys
// depend on it, so changing it would void every key stored.
inline constexpr std::string_view kDigestRealm = "OpenVTO";

store::DigestKeys digest_keys(std::string_view user, std::string_view password);

}  // namespace vto::accounts
