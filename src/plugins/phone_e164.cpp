// dsr-phone.so: libphonenumber behind the C interface of phone_abi.h.
#include <phonenumbers/phonenumberutil.h>

#include <cstring>
#include <string>

#include "phone_abi.h"

namespace {
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

int parse_status(PhoneNumberUtil::ErrorType e) {
  switch (e) {
    case PhoneNumberUtil::NO_PARSING_ERROR: return DSR_PHONE_OK;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR: return DSR_PHONE_BAD_COUNTRY_CODE;
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN: return DSR_PHONE_TOO_SHORT;
    case PhoneNumberUtil::TOO_LONG_NSN: return DSR_PHONE_TOO_LONG;
    default: return DSR_PHONE_UNPARSABLE;
  }
}

int why_invalid(PhoneNumberUtil::ValidationResult r) {
  switch (r) {
    case PhoneNumberUtil::TOO_SHORT: return DSR_WHY_TOO_SHORT;
    case PhoneNumberUtil::TOO_LONG: return DSR_WHY_TOO_LONG;
    case PhoneNumberUtil::INVALID_LENGTH: return DSR_WHY_WRONG_LENGTH;
    default: return DSR_WHY_NONE;
  }
}
}  // namespace

extern "C" __attribute__((visibility("default"))) int dsr_phone_abi_version(void) { return DSR_PHONE_ABI_VERSION; }

extern "C" __attribute__((visibility("default"))) int dsr_phone_e164(const char* number, const char* region, char* out,
                                                                     unsigned long out_len, int* why) {
  *why = DSR_WHY_NONE;
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  const std::string reg(region);
  if (reg != "ZZ" && util->GetCountryCodeForRegion(reg) == 0) return DSR_PHONE_UNKNOWN_REGION;
  PhoneNumber parsed;
  if (int s = parse_status(util->Parse(number, reg, &parsed)); s != DSR_PHONE_OK) return s;
  if (!util->IsValidNumber(parsed)) {
    *why = why_invalid(util->IsPossibleNumberWithReason(parsed));
    return DSR_PHONE_INVALID;
  }
  std::string e164;
  util->Format(parsed, PhoneNumberUtil::E164, &e164);
  if (e164.size() + 1 > out_len) return DSR_PHONE_OUT_TOO_SMALL;
  std::memcpy(out, e164.c_str(), e164.size() + 1);
  return DSR_PHONE_OK;
}
