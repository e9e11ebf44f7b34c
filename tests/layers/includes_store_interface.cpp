// What the domain may include of the layers below: the store's and the
// vault's interfaces, none of which pulls in SQLite or libsodium. Must build.
#include "dsr/batch.hpp"
#include "dsr/subjects.hpp"
#include "store/audit_store.hpp"
#include "store/bulk_settings.hpp"
#include "store/disclosure_store.hpp"
#include "store/policy_store.hpp"
#include "store/request_store.hpp"
#include "store/retention_store.hpp"
#include "store/statement_cache.hpp"
#include "store/subject_store.hpp"
#include "store/tx.hpp"
#include "vault/seal.hpp"
#include "vault/signed_message.hpp"
int probe() { return 0; }
