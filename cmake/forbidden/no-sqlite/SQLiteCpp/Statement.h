// Poison header (cmake/forbidden): put on the include path of the layers above the store.
#error "dsr layers: only src/store and src/vault include <SQLiteCpp/Statement.h>; ask the store (src/store) instead (ARCHITECTURE.md, Layers)"
