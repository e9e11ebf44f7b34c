// Messages signed by someone outside the vault (an authorised agent's Data
// Rights Protocol request), for the layers above (which never include
// <sodium.h>, ARCHITECTURE.md "Layers"). Thread-safe once crypto_init() ran.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace dsr::vault {

// Standard base64 (RFC 4648 section 4, padded), whitespace and line breaks
// ignored; nothing when the text is not base64.
std::optional<std::string> base64_decode(std::string_view text);

// libsodium's combined mode: a 64-byte Ed25519 signature followed by the
// message. The message when the signature verifies under `public_key` (32
// bytes); nothing otherwise (a wrong key length, a short or altered message).
std::optional<std::string> open_signed(std::string_view public_key, std::string_view signed_message);

// The message part of a combined-mode signed message, unverified (for a
// request whose agent key was not given); nothing when it is too short.
std::optional<std::string> unverified_message(std::string_view signed_message);

}  // namespace dsr::vault
