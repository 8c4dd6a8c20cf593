#include "sip/auth/digest_hash.h"

#include <gtest/gtest.h>

namespace vto::sip::auth {
namespace {

// RFC 7616 §3.9.1.
ResponseInput rfc7616(Algorithm algorithm) {
  return {
      .algorithm = algorithm,
      .username = "Mufasa",
      .realm = "http-auth@example.org",
      .password = "Circle of Life",
      .method = "GET",
      .uri = "/dir/index.html",
      .nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
      .nc = "00000001",
      .cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
      .qop = "auth",
  };
}

TEST(DigestHash, Rfc7616Sha256Example) {
  EXPECT_EQ(compute_response(rfc7616(Algorithm::Sha256)),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

TEST(DigestHash, Rfc7616Md5Example) {
  EXPECT_EQ(compute_response(rfc7616(Algorithm::Md5)), "8ca523f5e9506fed4657c9700eebdbec");
}

// Session variants: HA1 = H(H(user:realm:password):nonce:cnonce); values from an
// independent implementation (Python hashlib).
TEST(DigestHash, SessionVariants) {
  EXPECT_EQ(compute_response(rfc7616(Algorithm::Md5Sess)), "e783283f46242139c486a698fec7211d");
  EXPECT_EQ(compute_response(rfc7616(Algorithm::Sha256Sess)),
            "2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7");
}

// RFC 2617 §3.5 (note the capital O in the password).
ResponseInput rfc2617() {
  return {
      .algorithm = Algorithm::Md5,
      .username = "Mufasa",
      .realm = "testrealm@host.com",
      .password = "Circle Of Life",
      .method = "GET",
      .uri = "/dir/index.html",
      .nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093",
      .nc = "00000001",
      .cnonce = "0a4f113b",
      .qop = "auth",
  };
}

TEST(DigestHash, Rfc2617Example) {
  EXPECT_EQ(compute_response(rfc2617()), "6629fae49393a05397450978507c4ef1");
}

TEST(DigestHash, Rfc2069FormWithoutQop) {
  ResponseInput in = rfc2617();
  in.qop = "";
  in.nc = "";
  in.cnonce = "";
  EXPECT_EQ(compute_response(in), "670fd8c2df070c60b045671b8b24ff02");
}

TEST(DigestHash, HexHashKnownValues) {
  EXPECT_EQ(hex_hash(Algorithm::Md5, ""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(hex_hash(Algorithm::Sha256, "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DigestHash, AlgorithmNames) {
  EXPECT_EQ(parse_algorithm(""), Algorithm::Md5);
  EXPECT_EQ(parse_algorithm("md5"), Algorithm::Md5);
  EXPECT_EQ(parse_algorithm("SHA-256"), Algorithm::Sha256);
  EXPECT_EQ(parse_algorithm("sha-256-SESS"), Algorithm::Sha256Sess);
  EXPECT_EQ(parse_algorithm("MD5-sess"), Algorithm::Md5Sess);
  EXPECT_FALSE(parse_algorithm("SHA-512-256"));
  EXPECT_FALSE(parse_algorithm("SHA256"));
  for (auto a : {Algorithm::Md5, Algorithm::Md5Sess, Algorithm::Sha256, Algorithm::Sha256Sess})
    EXPECT_EQ(parse_algorithm(algorithm_name(a)), a);
  EXPECT_GT(algorithm_strength(Algorithm::Sha256), algorithm_strength(Algorithm::Md5));
  EXPECT_TRUE(is_session(Algorithm::Md5Sess));
  EXPECT_FALSE(is_session(Algorithm::Sha256));
}

}  // namespace
}  // namespace vto::sip::auth
