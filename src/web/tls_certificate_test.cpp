#include "web/tls_certificate.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>

namespace vto::web {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr parse(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// The subjectAltName entries as "DNS:name" and "IP:address" strings.
std::set<std::string> subject_alt_names(X509* cert) {
  std::set<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      const auto* s = name->d.dNSName;
      out.insert("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                      static_cast<std::size_t>(ASN1_STRING_length(s))));
    } else if (name->type == GEN_IPADD) {
      const auto* s = name->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = {};
      int family = ASN1_STRING_length(s) == 4 ? AF_INET : AF_INET6;
      inet_ntop(family, ASN1_STRING_get0_data(s), text, sizeof text);
      out.insert(std::string("IP:") + text);
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::filesystem::path& path, const std::string& contents) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
}

mode_t mode_of(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class TlsFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "tls_certificate_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

TEST(MakeSelfSigned, MakesASelfSignedP256ServerCertificate) {
  SelfSignedConfig o;
  o.dns_names = {"vto.local", "door"};
  o.ip_addresses = {"192.168.1.20", "fe80::1"};
  auto identity = make_self_signed(o);
  ASSERT_TRUE(identity.ok()) << identity.error().message;
  EXPECT_TRUE(check_identity(*identity).ok());

  X509Ptr cert = parse(identity->certificate_pem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(cert.get())), 1);  // signed by itself
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())), 0);
  EXPECT_EQ(X509_get_signature_nid(cert.get()), NID_ecdsa_with_SHA256);

  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  ASSERT_TRUE(EVP_PKEY_is_a(key, "EC"));
  char group[64] = {};
  ASSERT_EQ(EVP_PKEY_get_group_name(key, group, sizeof group, nullptr), 1);
  EXPECT_STREQ(group, "prime256v1");

  EXPECT_EQ(subject_alt_names(cert.get()),
            (std::set<std::string>{"DNS:vto.local", "DNS:door", "IP:192.168.1.20", "IP:fe80::1"}));

  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(cert.get())), 0);
  EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(cert.get())), 0);
  int days = 0;
  int seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert.get()),
                           X509_get0_notAfter(cert.get())),
            1);
  EXPECT_EQ(days, 3650);  // plus the hour before now

  EXPECT_EQ(X509_get_extension_flags(cert.get()) & EXFLAG_CA, 0u);
  EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()), static_cast<uint32_t>(XKU_SSL_SERVER));
  BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr);
  ASSERT_NE(serial, nullptr);
  EXPECT_EQ(BN_num_bytes(serial), 16);
  BN_free(serial);
}

TEST(MakeSelfSigned, SerialsDiffer) {
  auto a = make_self_signed({});
  auto b = make_self_signed({});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(parse(a->certificate_pem).get()),
                             X509_get0_serialNumber(parse(b->certificate_pem).get())),
            0);
}

TEST(MakeSelfSigned, RefusesBadOptions) {
  for (const char* ip : {"", "300.1.1.1", "1.2.3", "vto.local", "::g", "192.168.1.20/24"}) {
    SelfSignedConfig o;
    o.ip_addresses = {ip};
    EXPECT_FALSE(make_self_signed(o).ok()) << ip;
  }
  for (int days : {0, -1, 10001}) {
    SelfSignedConfig o;
    o.valid_days = days;
    EXPECT_FALSE(make_self_signed(o).ok()) << days;
  }
  SelfSignedConfig o;
  o.dns_names = {"a,b"};
  EXPECT_FALSE(make_self_signed(o).ok());
  o = {};
  o.common_name = "";
  EXPECT_FALSE(make_self_signed(o).ok());
}

TEST(CheckIdentity, RefusesAMismatchedKey) {
  auto a = make_self_signed({});
  auto b = make_self_signed({});
  ASSERT_TRUE(a.ok() && b.ok());
  auto result = check_identity({a->certificate_pem, b->private_key_pem});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("does not match"), std::string::npos)
      << result.error().message;
}

TEST(CheckIdentity, RefusesGarbage) {
  auto a = make_self_signed({});
  ASSERT_TRUE(a.ok());
  const std::string garbage =
      "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n";
  EXPECT_FALSE(check_identity({garbage, a->private_key_pem}).ok());
  EXPECT_FALSE(check_identity({a->certificate_pem, "hello"}).ok());
  EXPECT_FALSE(check_identity({"", ""}).ok());
  EXPECT_FALSE(check_identity({a->private_key_pem, a->certificate_pem}).ok());
}

TEST_F(TlsFiles, LoadOrCreateWritesPrivateFilesAndReusesThem) {
  const auto dir = root_ / "state" / "tls";
  auto first = load_or_create(dir.string(), {});
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(dir / "key.pem"), 0600u);
  EXPECT_EQ(mode_of(dir / "cert.pem"), 0644u);
  EXPECT_EQ(read_file(dir / "cert.pem"), first->certificate_pem);
  EXPECT_EQ(read_file(dir / "key.pem"), first->private_key_pem);
  EXPECT_FALSE(std::filesystem::exists(dir / "key.pem.tmp"));

  auto second = load_or_create(dir.string(), {});
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->certificate_pem, first->certificate_pem);
  EXPECT_EQ(second->private_key_pem, first->private_key_pem);
}

TEST_F(TlsFiles, LoadOrCreateReplacesACorruptedCertificate) {
  const auto dir = root_ / "tls";
  auto first = load_or_create(dir.string(), {});
  ASSERT_TRUE(first.ok()) << first.error().message;
  write_file(dir / "cert.pem", "garbage");

  auto second = load_or_create(dir.string(), {});
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_NE(second->certificate_pem, first->certificate_pem);
  EXPECT_TRUE(check_identity(*second).ok());
  EXPECT_EQ(read_file(dir / "cert.pem"), second->certificate_pem);
  EXPECT_EQ(read_file(dir / "key.pem"), second->private_key_pem);
  EXPECT_EQ(mode_of(dir / "key.pem"), 0600u);
}

TEST_F(TlsFiles, LoadOrCreateReplacesAMismatchedPair) {
  const auto dir = root_ / "tls";
  ASSERT_TRUE(load_or_create(dir.string(), {}).ok());
  auto other = make_self_signed({});
  ASSERT_TRUE(other.ok());
  write_file(dir / "key.pem", other->private_key_pem);

  auto again = load_or_create(dir.string(), {});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(check_identity(*again).ok());
}

TEST_F(TlsFiles, LoadOrCreateNamesTheFileItCannotWrite) {
  const auto dir = root_ / "tls";
  // A directory where the key's temporary file goes: neither root nor anyone can create it.
  std::filesystem::create_directories(dir / "key.pem.tmp" / "x");
  auto result = load_or_create(dir.string(), {});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("key.pem.tmp"), std::string::npos)
      << result.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir / "key.pem"));
}

TEST(CheckIdentity, NamesTheHalfAtFault) {
  auto a = make_self_signed({});
  auto b = make_self_signed({});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(check_identity({"junk", a->private_key_pem}).error().code, kBadCertificate);
  EXPECT_EQ(check_identity({a->certificate_pem, "junk"}).error().code, kBadPrivateKey);
  EXPECT_EQ(check_identity({a->certificate_pem, b->private_key_pem}).error().code, kBadPrivateKey);
}

TEST(DescribeCertificate, TellsWhatTheCertificateSays) {
  SelfSignedConfig o;
  o.common_name = "Porte d'entrée";
  o.dns_names = {"vto.local", "door"};
  o.ip_addresses = {"192.168.1.20", "fe80::1"};
  o.valid_days = 30;
  auto identity = make_self_signed(o);
  ASSERT_TRUE(identity.ok()) << identity.error().message;
  auto info = describe_certificate(identity->certificate_pem);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->subject, "CN=Porte d'entrée");
  EXPECT_EQ(info->issuer, info->subject);
  EXPECT_TRUE(info->self_signed);
  EXPECT_EQ(info->names,
            (std::vector<std::string>{"vto.local", "door", "192.168.1.20", "fe80::1"}));
  const std::int64_t now_ms = static_cast<std::int64_t>(std::time(nullptr)) * 1000;
  EXPECT_NEAR(static_cast<double>(info->not_before_ms), static_cast<double>(now_ms - 3600'000),
              60'000);
  // Both dates are taken from the clock, a second apart at most.
  EXPECT_NEAR(static_cast<double>(info->not_after_ms - info->not_before_ms),
              (30.0 * 86400 + 3600) * 1000, 1000);

  // The fingerprint is the SHA-256 of the DER, as `openssl x509 -fingerprint -sha256` shows.
  X509Ptr cert = parse(identity->certificate_pem);
  unsigned char* der = nullptr;
  const int der_length = i2d_X509(cert.get(), &der);
  ASSERT_GT(der_length, 0);
  unsigned char digest[32];
  unsigned int digest_length = 0;
  ASSERT_EQ(EVP_Digest(der, static_cast<std::size_t>(der_length), digest, &digest_length,
                       EVP_sha256(), nullptr),
            1);
  OPENSSL_free(der);
  char expected[32 * 3] = {};
  for (unsigned int i = 0; i < digest_length; ++i)
    std::snprintf(expected + 3 * i, 4, i + 1 < digest_length ? "%02X:" : "%02X", digest[i]);
  EXPECT_EQ(info->sha256_fingerprint, expected);
  EXPECT_EQ(info->sha256_fingerprint.size(), 32u * 3 - 1);
}

TEST(DescribeCertificate, ACertificateSignedByAnotherIsNotSelfSigned) {
  auto ca = make_self_signed({});
  auto leaf = make_self_signed({});
  ASSERT_TRUE(ca.ok() && leaf.ok());
  // Re-sign the leaf with the CA's key under the CA's name.
  X509Ptr ca_cert = parse(ca->certificate_pem);
  X509Ptr cert = parse(leaf->certificate_pem);
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(
      BIO_new_mem_buf(ca->private_key_pem.data(), static_cast<int>(ca->private_key_pem.size())),
      BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> ca_key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  ASSERT_TRUE(ca_key);
  X509_NAME* issuer = X509_NAME_new();
  X509_NAME_add_entry_by_txt(issuer, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Test CA"), -1, -1, 0);
  ASSERT_EQ(X509_set_issuer_name(cert.get(), issuer), 1);
  X509_NAME_free(issuer);
  ASSERT_GT(X509_sign(cert.get(), ca_key.get(), EVP_sha256()), 0);
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), BIO_free);
  ASSERT_EQ(PEM_write_bio_X509(out.get(), cert.get()), 1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  auto info = describe_certificate(std::string(data, static_cast<std::size_t>(size)));
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->issuer, "CN=Test CA");
  EXPECT_EQ(info->subject, "CN=OpenVTO door station");
  EXPECT_FALSE(info->self_signed);
  EXPECT_TRUE(info->names.empty());
}

TEST(DescribeCertificate, RefusesWhatIsNoCertificate) {
  auto a = make_self_signed({});
  ASSERT_TRUE(a.ok());
  for (const std::string& pem : {std::string(), std::string("hello"), a->private_key_pem}) {
    auto info = describe_certificate(pem);
    ASSERT_FALSE(info.ok());
    EXPECT_EQ(info.error().code, kBadCertificate);
  }
}

TEST_F(TlsFiles, SaveIdentityReplacesTheFilesKeepingTheirModes) {
  const auto dir = root_ / "tls";
  ASSERT_TRUE(load_or_create(dir.string(), {}).ok());
  auto next = make_self_signed({});
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(save_identity(dir.string(), *next).ok());
  EXPECT_EQ(read_file(dir / "cert.pem"), next->certificate_pem);
  EXPECT_EQ(read_file(dir / "key.pem"), next->private_key_pem);
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(dir / "key.pem"), 0600u);
  EXPECT_EQ(mode_of(dir / "cert.pem"), 0644u);
  EXPECT_FALSE(std::filesystem::exists(dir / "key.pem.tmp"));
  EXPECT_FALSE(std::filesystem::exists(dir / "cert.pem.tmp"));

  auto loaded = load_or_create(dir.string(), {});
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->certificate_pem, next->certificate_pem);
}

TEST_F(TlsFiles, SaveIdentityMakesTheDirectory) {
  const auto dir = root_ / "new" / "tls";
  auto identity = make_self_signed({});
  ASSERT_TRUE(identity.ok());
  ASSERT_TRUE(save_identity(dir.string(), *identity).ok());
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(read_file(dir / "key.pem"), identity->private_key_pem);
}

TEST_F(TlsFiles, SaveIdentityRefusesAMismatchedPairAndWritesNothing) {
  const auto dir = root_ / "tls";
  auto first = load_or_create(dir.string(), {});
  auto other = make_self_signed({});
  ASSERT_TRUE(first.ok() && other.ok());
  auto saved = save_identity(dir.string(), {first->certificate_pem, other->private_key_pem});
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.error().code, kBadPrivateKey);
  EXPECT_EQ(read_file(dir / "key.pem"), first->private_key_pem);
  EXPECT_EQ(read_file(dir / "cert.pem"), first->certificate_pem);
}

}  // namespace
}  // namespace vto::web
