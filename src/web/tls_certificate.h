// The door station's TLS identity: a self-signed ECDSA P-256 certificate made on first
// start (the station has no name a public CA would certify), kept as PEM files, and the
// checks an uploaded replacement must pass.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace vto::web {

struct TlsIdentity {
  std::string certificate_pem;
  std::string private_key_pem;  // unencrypted PKCS#8
};

struct SelfSignedOptions {
  std::string common_name = "OpenVTO door station";  // 1..64 bytes
  std::vector<std::string> dns_names;                // subjectAltName DNS entries
  std::vector<std::string> ip_addresses;             // numeric IPv4/IPv6, e.g. "192.168.1.20"
  int valid_days = 3650;                             // 1..10000
};

// A new ECDSA P-256 key and an X.509 v3 server certificate for it, signed by itself with
// SHA-256: random 128-bit serial, valid from an hour ago (clock skew) for valid_days,
// subjectAltName from the options, CA:FALSE, digitalSignature, serverAuth.
Result<TlsIdentity> make_self_signed(const SelfSignedOptions& o);

// The identity kept in dir/cert.pem and dir/key.pem when both parse and the key matches
// the certificate; otherwise a new self-signed one, written there atomically (dir 0700,
// key.pem 0600, cert.pem 0644). A file that exists but cannot be read is an error.
Result<TlsIdentity> load_or_create(const std::string& dir, const SelfSignedOptions& o);

// Ok when the certificate and key parse, the key is the certificate's, and the
// certificate is valid now.
Result<void> check_identity(const TlsIdentity& identity);

}  // namespace vto::web
