// The vault's check of messages signed outside it (vault/signed_message.hpp):
// libsodium's combined mode and standard base64, against signatures made here
// with libsodium itself.
#include <doctest/doctest.h>
#include <sodium.h>

#include <string>

#include "vault/signed_message.hpp"

using namespace dsr;

namespace {

struct SignedMessageKeys {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  SignedMessageKeys() {
    REQUIRE(sodium_init() >= 0);
    unsigned char seed[crypto_sign_SEEDBYTES] = {7};
    crypto_sign_seed_keypair(pk, sk, seed);
  }
  std::string public_key() const { return std::string(reinterpret_cast<const char*>(pk), sizeof pk); }
  std::string sign(const std::string& msg) const {
    std::string out(msg.size() + crypto_sign_BYTES, '\0');
    unsigned long long len = 0;
    crypto_sign(reinterpret_cast<unsigned char*>(out.data()), &len, reinterpret_cast<const unsigned char*>(msg.data()),
                msg.size(), sk);
    out.resize(static_cast<size_t>(len));
    return out;
  }
};

std::string signed_message_b64(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

}  // namespace

TEST_CASE("signed message: a combined-mode message opens with its key, and only with it") {
  SignedMessageKeys k;
  std::string sm = k.sign("{\"exercise\":\"access\"}");
  auto m = vault::open_signed(k.public_key(), sm);
  REQUIRE(m);
  CHECK(*m == "{\"exercise\":\"access\"}");
  CHECK(vault::unverified_message(sm) == m);

  std::string altered = sm;
  altered.back() ^= 1;
  CHECK_FALSE(vault::open_signed(k.public_key(), altered));
  std::string other_key = k.public_key();
  other_key[0] ^= 1;
  CHECK_FALSE(vault::open_signed(other_key, sm));
  CHECK_FALSE(vault::open_signed(k.public_key().substr(1), sm));  // a key of the wrong length
  CHECK_FALSE(vault::open_signed(k.public_key(), sm.substr(0, 63)));
  CHECK_FALSE(vault::unverified_message(sm.substr(0, 63)));
}

TEST_CASE("signed message: base64 decodes with line breaks, refuses what is not base64") {
  SignedMessageKeys k;
  std::string sm = k.sign("hello");
  std::string b64 = signed_message_b64(sm);
  CHECK(vault::base64_decode(b64) == sm);
  std::string wrapped = b64.substr(0, 20) + "\n" + b64.substr(20) + "\r\n";
  CHECK(vault::base64_decode(wrapped) == sm);
  CHECK_FALSE(vault::base64_decode("not base64!"));
  CHECK_FALSE(vault::base64_decode(b64 + "*"));
  CHECK(vault::base64_decode("") == std::string());
}
