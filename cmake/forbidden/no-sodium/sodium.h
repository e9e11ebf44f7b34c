// Poison header (cmake/forbidden): put on the include path of the layers above the vault.
#error "dsr layers: only src/vault includes <sodium.h>; use vault/seal.hpp or dsr/secret.hpp instead (ARCHITECTURE.md, Layers)"
