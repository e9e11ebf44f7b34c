#include "vault/signed_message.hpp"

#include <sodium.h>

namespace dsr::vault {

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(),
                        " \t\r\n", &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0)
    return std::nullopt;
  if (end != text.data() + text.size()) return std::nullopt;  // trailing bytes that are not base64
  out.resize(len);
  return out;
}

std::optional<std::string> open_signed(std::string_view public_key, std::string_view signed_message) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signed_message.size() < crypto_sign_BYTES)
    return std::nullopt;
  std::string msg(signed_message.size() - crypto_sign_BYTES, '\0');
  unsigned long long len = 0;
  if (crypto_sign_open(reinterpret_cast<unsigned char*>(msg.data()), &len,
                       reinterpret_cast<const unsigned char*>(signed_message.data()), signed_message.size(),
                       reinterpret_cast<const unsigned char*>(public_key.data())) != 0)
    return std::nullopt;
  msg.resize(static_cast<size_t>(len));
  return msg;
}

std::optional<std::string> unverified_message(std::string_view signed_message) {
  if (signed_message.size() < crypto_sign_BYTES) return std::nullopt;
  return std::string(signed_message.substr(crypto_sign_BYTES));
}

}  // namespace dsr::vault
