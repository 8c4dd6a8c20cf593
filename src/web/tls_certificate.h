// The door station's TLS identity: a self-signed ECDSA P-256 certificate made on first
// start (the station has no name a public CA would certify), kept as PEM files, and the
// checks an uploaded replacement must pass.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace vto::web {

struct TlsIdentity {
  std::string certificate_pem;
  std::string private_key_pem;  // unencrypted PKCS#8
};

struct SelfSignedConfig {
  std::string common_name = "OpenVTO door station";  // 1..64 bytes
  std::vector<std::string> dns_names;                // subjectAltName DNS entries
  std::vector<std::string> ip_addresses;             // numeric IPv4/IPv6, e.g. "192.168.1.20"
  int valid_days = 3650;                             // 1..10000
};

// A new ECDSA P-256 key and an X.509 v3 server certificate for it, signed by itself with
// SHA-256: random 128-bit serial, valid from an hour ago (clock skew) for valid_days,
// subjectAltName from the options, CA:FALSE, digitalSignature, serverAuth.
Result<TlsIdentity> make_self_signed(const SelfSignedConfig& o);

// The identity kept in dir/cert.pem and dir/key.pem when both parse and the key matches
// the certificate; otherwise a new self-signed one, written there atomically (dir 0700,
// key.pem 0600, cert.pem 0644). A file that exists but cannot be read is an error.
Result<TlsIdentity> load_or_create(const std::string& dir, const SelfSignedConfig& o);

// Writes the identity to dir/cert.pem and dir/key.pem as load_or_create does (atomically,
// dir 0700, key.pem 0600, cert.pem 0644), the key first. The pair must match (dates are
// not looked at): a mismatched pair on disk would be replaced at the next start.
Result<void> save_identity(const std::string& dir, const TlsIdentity& identity);

// Error::code of check_identity's refusals: which half of the identity is at fault.
inline constexpr int kBadCertificate = 1;  // no certificate, not valid yet, expired
inline constexpr int kBadPrivateKey = 2;   // no usable key, or not the certificate's

// Ok when the certificate and key parse, the key is the certificate's, and the
// certificate is valid now.
Result<void> check_identity(const TlsIdentity& identity);

// What a certificate says, for a page to show (the first certificate of a chain).
struct CertificateInfo {
  std::string subject, issuer;  // RFC 2253: "CN=OpenVTO door station"
  std::int64_t not_before_ms = 0, not_after_ms = 0;
  std::string sha256_fingerprint;  // of the DER, "AB:CD:..."
  bool self_signed = false;        // issued by itself and signed by its own key
  std::vector<std::string> names;  // subjectAltName DNS names and IP addresses, in order
};
Result<CertificateInfo> describe_certificate(const std::string& certificate_pem);

}  // namespace vto::web
