#include "web/tls_certificate.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

#include "core/log.h"

namespace vto::web {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, Deleter<GENERAL_NAME, GENERAL_NAME_free>>;
using OctetStringPtr =
    std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>>;
using Ia5StringPtr = std::unique_ptr<ASN1_IA5STRING, Deleter<ASN1_IA5STRING, ASN1_IA5STRING_free>>;

// `what`, said for people; OpenSSL's oldest queued reason ("error:0480006C:PEM
// routines::no start line") goes to the log only. Empties the error queue.
Error openssl_error(const std::string& what) {
  if (unsigned long code = ERR_get_error(); code != 0) {
    std::array<char, 256> buf{};
    ERR_error_string_n(code, buf.data(), buf.size());
    core::logger("web")->debug("{}: {}", what, buf.data());
  }
  ERR_clear_error();
  return make_error(what);
}

// Never prompts on the terminal for an encrypted key's passphrase: refuse it.
int no_passphrase(char*, int, int, void*) {
  return 0;
}

Result<X509Ptr> parse_certificate(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return openssl_error("BIO_new_mem_buf");
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr));
  if (!cert) {
    return openssl_error(
        "this is not a PEM certificate (text from -----BEGIN CERTIFICATE----- to -----END "
        "CERTIFICATE-----)");
  }
  return cert;
}

Result<PkeyPtr> parse_private_key(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return openssl_error("BIO_new_mem_buf");
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    return openssl_error(
        "this is not a private key in PEM text without a passphrase (between a -----BEGIN "
        "line and an -----END line)");
  }
  return key;
}

// Both parse and the key is the certificate's; validity dates are not looked at. The
// error's code names the half at fault.
Result<X509Ptr> check_pair(const TlsIdentity& identity) {
  auto cert = parse_certificate(identity.certificate_pem);
  if (!cert) return make_error("certificate: " + cert.error().message, kBadCertificate);
  auto key = parse_private_key(identity.private_key_pem);
  if (!key) return make_error("private key: " + key.error().message, kBadPrivateKey);
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    Error e = openssl_error("the private key does not match the certificate");
    e.code = kBadPrivateKey;
    return e;
  }
  return std::move(*cert);
}

Result<std::string> bio_contents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  if (size < 0 || (size > 0 && data == nullptr)) return openssl_error("BIO_get_mem_data");
  return std::string(data, static_cast<std::size_t>(size));
}

Result<void> check_options(const SelfSignedConfig& o) {
  if (o.common_name.empty() || o.common_name.size() > 64) {
    return make_error("the common name must be 1 to 64 bytes");
  }
  if (o.valid_days < 1 || o.valid_days > 10000) {
    return make_error("valid_days must be 1 to 10000, not " + std::to_string(o.valid_days));
  }
  for (const auto& name : o.dns_names) {
    if (name.empty() || name.size() > 253) return make_error("bad DNS name '" + name + "'");
    for (char c : name) {
      const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '*' || c == '_';
      if (!allowed) return make_error("bad DNS name '" + name + "'");
    }
  }
  for (const auto& ip : o.ip_addresses) {
    std::array<unsigned char, 16> buf{};
    if (inet_pton(AF_INET, ip.c_str(), buf.data()) != 1 &&
        inet_pton(AF_INET6, ip.c_str(), buf.data()) != 1) {
      return make_error("bad IP address '" + ip + "'");
    }
  }
  return {};
}

Result<void> add_subject_alt_names(X509* cert, const SelfSignedConfig& o) {
  if (o.dns_names.empty() && o.ip_addresses.empty()) return {};
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return openssl_error("sk_GENERAL_NAME_new_null");
  for (const auto& dns : o.dns_names) {
    Ia5StringPtr value(ASN1_IA5STRING_new());
    GeneralNamePtr name(GENERAL_NAME_new());
    if (!value || !name ||
        ASN1_STRING_set(value.get(), dns.data(), static_cast<int>(dns.size())) != 1) {
      return openssl_error("subjectAltName DNS entry");
    }
    GENERAL_NAME_set0_value(name.get(), GEN_DNS, value.release());
    if (sk_GENERAL_NAME_push(names.get(), name.get()) == 0) {
      return openssl_error("sk_GENERAL_NAME_push");
    }
    name.release();
  }
  for (const auto& ip : o.ip_addresses) {
    OctetStringPtr value(a2i_IPADDRESS(ip.c_str()));
    GeneralNamePtr name(GENERAL_NAME_new());
    if (!value || !name) return openssl_error("subjectAltName IP entry '" + ip + "'");
    GENERAL_NAME_set0_value(name.get(), GEN_IPADD, value.release());
    if (sk_GENERAL_NAME_push(names.get(), name.get()) == 0) {
      return openssl_error("sk_GENERAL_NAME_push");
    }
    name.release();
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return openssl_error("adding subjectAltName");
  }
  return {};
}

Result<void> add_extension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return openssl_error(std::string("adding extension ") + OBJ_nid2sn(nid));
  }
  return {};
}

Result<void> set_random_serial(X509* cert) {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return openssl_error("RAND_bytes");
  }
  bytes[0] &= 0x7f;  // a positive INTEGER that still fits in 16 DER bytes
  bytes[0] |= 0x40;  // and never zero or short
  BignumPtr bn(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return openssl_error("setting the serial number");
  }
  return {};
}

// --- files ---

std::string errno_text() {
  return std::strerror(errno);
}

// The file's contents, nullopt when it does not exist.
Result<std::optional<std::string>> read_optional_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return make_error("cannot open " + path + ": " + errno_text());
  }
  std::string contents;
  std::array<char, 4096> buf{};
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string message = "cannot read " + path + ": " + errno_text();
      ::close(fd);
      return make_error(std::move(message));
    }
    if (n == 0) break;
    contents.append(buf.data(), static_cast<std::size_t>(n));
    if (contents.size() > 1024 * 1024) {
      ::close(fd);
      return make_error(path + " is larger than 1 MiB");
    }
  }
  ::close(fd);
  return std::optional<std::string>(std::move(contents));
}

// Writes `path` through a temporary file created with `mode` (never wider, even
// briefly), fsynced, then renamed over it.
Result<void> write_file_atomically(const std::string& path, const std::string& contents,
                                   mode_t mode) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0 && errno == EEXIST) {  // left over from an interrupted write
    ::unlink(tmp.c_str());
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  }
  if (fd < 0) return make_error("cannot create " + tmp + ": " + errno_text());
  auto fail = [&](const std::string& what) {
    std::string message = what + " " + tmp + ": " + errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    return make_error(std::move(message));
  };
  if (::fchmod(fd, mode) != 0) return fail("cannot chmod");  // the umask may have narrowed it
  std::size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write");
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot fsync");
  if (::close(fd) != 0) {
    std::string message = "cannot close " + tmp + ": " + errno_text();
    ::unlink(tmp.c_str());
    return make_error(std::move(message));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string message = "cannot rename " + tmp + " to " + path + ": " + errno_text();
    ::unlink(tmp.c_str());
    return make_error(std::move(message));
  }
  return {};
}

void sync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

Result<void> make_private_directory(const std::string& dir) {
  const std::filesystem::path parent = std::filesystem::path(dir).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return make_error("cannot create " + parent.string() + ": " + ec.message());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return make_error("cannot create " + dir + ": " + errno_text());
  }
  return {};
}

// Key first: a crash in between leaves a mismatched pair, replaced on the next start.
Result<void> write_identity(const std::string& dir, const TlsIdentity& identity) {
  if (auto ok = make_private_directory(dir); !ok) return ok.error();
  if (auto ok = write_file_atomically(dir + "/key.pem", identity.private_key_pem, 0600); !ok) {
    return ok.error();
  }
  if (auto ok = write_file_atomically(dir + "/cert.pem", identity.certificate_pem, 0644); !ok) {
    return ok.error();
  }
  sync_directory(dir);
  return {};
}

// --- describing ---

Result<std::string> name_text(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return openssl_error("BIO_new");
  if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
    return openssl_error("X509_NAME_print_ex");
  }
  return bio_contents(bio.get());
}

Result<std::int64_t> time_ms(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return openssl_error("a certificate date");
  return static_cast<std::int64_t>(::timegm(&tm)) * 1000;
}

std::vector<std::string> subject_alt_names(X509* cert) {
  std::vector<std::string> out;
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* s = name->d.dNSName;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = name->d.iPAddress;
      const int length = ASN1_STRING_length(s);
      if (length != 4 && length != 16) continue;
      std::array<char, INET6_ADDRSTRLEN> text{};
      inet_ntop(length == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(s), text.data(),
                static_cast<socklen_t>(text.size()));
      out.emplace_back(text.data());
    }
  }
  return out;
}

}  // namespace

Result<TlsIdentity> make_self_signed(const SelfSignedConfig& o) {
  if (auto ok = check_options(o); !ok) return ok.error();

  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return openssl_error("generating the P-256 key");

  X509Ptr cert(X509_new());
  if (!cert) return openssl_error("X509_new");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) return openssl_error("X509_set_version");
  if (auto ok = set_random_serial(cert.get()); !ok) return ok.error();
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60L * 60) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), o.valid_days, 0, nullptr) == nullptr) {
    return openssl_error("setting the validity dates");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(o.common_name.data()),
                                 static_cast<int>(o.common_name.size()), -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1) {
    return openssl_error("setting the common name");
  }
  if (X509_set_pubkey(cert.get(), key.get()) != 1) return openssl_error("X509_set_pubkey");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                            std::pair{NID_key_usage, "critical,digitalSignature"},
                            std::pair{NID_ext_key_usage, "serverAuth"},
                            std::pair{NID_subject_key_identifier, "hash"}}) {
    if (auto ok = add_extension(cert.get(), &ctx, nid, value); !ok) return ok.error();
  }
  if (auto ok = add_subject_alt_names(cert.get(), o); !ok) return ok.error();

  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) return openssl_error("X509_sign");

  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    return openssl_error("writing PEM");
  }
  auto cert_pem = bio_contents(cert_bio.get());
  if (!cert_pem) return cert_pem.error();
  auto key_pem = bio_contents(key_bio.get());
  if (!key_pem) return key_pem.error();
  return TlsIdentity{std::move(*cert_pem), std::move(*key_pem)};
}

Result<void> check_identity(const TlsIdentity& identity) {
  auto cert = check_pair(identity);
  if (!cert) return cert.error();
  if (X509_cmp_current_time(X509_get0_notBefore(cert->get())) >= 0) {
    return make_error("the certificate is not valid yet", kBadCertificate);
  }
  if (X509_cmp_current_time(X509_get0_notAfter(cert->get())) <= 0) {
    return make_error("the certificate has expired", kBadCertificate);
  }
  return {};
}

Result<TlsIdentity> load_or_create(const std::string& dir, const SelfSignedConfig& o) {
  const std::string cert_path = dir + "/cert.pem";
  const std::string key_path = dir + "/key.pem";

  auto cert_pem = read_optional_file(cert_path);
  if (!cert_pem) return cert_pem.error();
  auto key_pem = read_optional_file(key_path);
  if (!key_pem) return key_pem.error();
  if (cert_pem->has_value() && key_pem->has_value()) {
    TlsIdentity stored{std::move(**cert_pem), std::move(**key_pem)};
    if (check_pair(stored)) return stored;
    ERR_clear_error();
  }

  auto identity = make_self_signed(o);
  if (!identity) return identity.error();
  if (auto ok = write_identity(dir, *identity); !ok) return ok.error();
  return identity;
}

Result<void> save_identity(const std::string& dir, const TlsIdentity& identity) {
  if (auto pair = check_pair(identity); !pair) return pair.error();
  return write_identity(dir, identity);
}

Result<CertificateInfo> describe_certificate(const std::string& certificate_pem) {
  auto cert = parse_certificate(certificate_pem);
  if (!cert) return make_error("certificate: " + cert.error().message, kBadCertificate);
  X509* x = cert->get();
  CertificateInfo info;
  auto subject = name_text(X509_get_subject_name(x));
  if (!subject) return subject.error();
  info.subject = std::move(*subject);
  auto issuer = name_text(X509_get_issuer_name(x));
  if (!issuer) return issuer.error();
  info.issuer = std::move(*issuer);
  auto not_before = time_ms(X509_get0_notBefore(x));
  if (!not_before) return not_before.error();
  info.not_before_ms = *not_before;
  auto not_after = time_ms(X509_get0_notAfter(x));
  if (!not_after) return not_after.error();
  info.not_after_ms = *not_after;

  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (X509_digest(x, EVP_sha256(), digest.data(), &length) != 1) {
    return openssl_error("X509_digest");
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned int i = 0; i < length; ++i) {
    if (i > 0) info.sha256_fingerprint += ':';
    info.sha256_fingerprint += kHex[digest[i] >> 4];
    info.sha256_fingerprint += kHex[digest[i] & 0xf];
  }
  info.self_signed = X509_self_signed(x, 1) == 1;
  ERR_clear_error();  // X509_self_signed may queue the reason it said no
  info.names = subject_alt_names(x);
  return info;
}

}  // namespace vto::web
