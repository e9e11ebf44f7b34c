// Loads dsr-phone.so (libphonenumber behind a C interface) the first time a
// phone number is read; see src/plugins/phone_abi.h for why it is a module.
#pragma once
#include <string>

#include "plugins/phone_abi.h"

namespace dsr::phone_module {

// dsr_phone_e164 from the module; throws Error(failure) naming the paths
// tried when the module cannot be loaded.
int e164(const std::string& number, const std::string& region, std::string& out, int& why);

// Where the module was loaded from (loads it if need be): for `dsr info` and tests.
std::string path();

}  // namespace dsr::phone_module
