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

#include <cstdlib>
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
  SelfSignedOptions o;
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
    SelfSignedOptions o;
    o.ip_addresses = {ip};
    EXPECT_FALSE(make_self_signed(o).ok()) << ip;
  }
  for (int days : {0, -1, 10001}) {
    SelfSignedOptions o;
    o.valid_days = days;
    EXPECT_FALSE(make_self_signed(o).ok()) << days;
  }
  SelfSignedOptions o;
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

}  // namespace
}  // namespace vto::web
