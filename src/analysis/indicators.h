// Indicator extraction from decoded text: e-mail addresses, phone numbers (libphonenumber) and
// payment identifiers (crypto-currency addresses with checksum, IBANs with mod-97). Thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "analysis/report.h"

namespace lapis::analysis {

inline constexpr size_t kMaxEmailsPerText = 200;
inline constexpr size_t kMaxPhonesPerText = 50;
inline constexpr size_t kMaxPaymentsPerText = 50;
inline constexpr size_t kMaxPhoneScanBytes = 32 * 1024;

void ExtractEmails(std::string_view text, std::vector<std::string>* out);

// `region` is an ISO 3166 code used for national-format numbers ("" = international only).
void ExtractPhones(std::string_view text, std::string_view region, const std::string& source,
                   std::vector<PhoneIndicator>* out);

// Parses one number (an SMS sender); false if it is not a valid phone number.
bool ParsePhone(std::string_view text, std::string_view region, PhoneIndicator* out);

void ExtractPayments(std::string_view text, std::vector<PaymentIndicator>* out);

bool IsValidBitcoinAddress(std::string_view s);
bool IsValidIban(std::string_view compact);

// Region code for a country-code TLD ("uk" -> "GB"), "" for generic TLDs.
std::string RegionForTld(std::string_view host);

}  // namespace lapis::analysis
