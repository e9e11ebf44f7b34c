/* The C interface between dsr and its phone-number module (dsr-phone.so).
 * libphonenumber brings protobuf, ICU and abseil with it; linked into dsr they
 * cost every process about 3 ms of start-up for the relocations and static
 * initialisers, though few commands read a phone number. dsr loads the module
 * the first time it needs it (src/domain/subjects/phone_module.cpp). */
#ifndef DSR_PHONE_ABI_H
#define DSR_PHONE_ABI_H
#ifdef __cplusplus
extern "C" {
#endif

#define DSR_PHONE_ABI_VERSION 1

enum dsr_phone_status {
  DSR_PHONE_OK = 0,
  DSR_PHONE_UNKNOWN_REGION = 1,     /* the default region is not a region */
  DSR_PHONE_BAD_COUNTRY_CODE = 2,   /* unknown or missing country code */
  DSR_PHONE_TOO_SHORT = 3,
  DSR_PHONE_TOO_LONG = 4,
  DSR_PHONE_UNPARSABLE = 5,
  DSR_PHONE_INVALID = 6,            /* parsed, but no valid number: see `why` */
  DSR_PHONE_OUT_TOO_SMALL = 7
};
enum dsr_phone_why { DSR_WHY_NONE = 0, DSR_WHY_TOO_SHORT = 1, DSR_WHY_TOO_LONG = 2, DSR_WHY_WRONG_LENGTH = 3 };

/* The number in E.164 into out (NUL-terminated) and DSR_PHONE_OK, or a status
 * (and for DSR_PHONE_INVALID a dsr_phone_why in *why). region: ISO 3166 code
 * in upper case, or "ZZ" when the number must carry its country code. */
typedef int (*dsr_phone_e164_fn)(const char* number, const char* region, char* out, unsigned long out_len, int* why);
typedef int (*dsr_phone_abi_version_fn)(void);

#ifdef __cplusplus
}
#endif
#endif
