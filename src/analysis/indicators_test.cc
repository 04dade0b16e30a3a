#include "analysis/indicators.h"

#include <gtest/gtest.h>

namespace lapis::analysis {

TEST(Indicators, EmailsNeedAKnownSuffix) {
  std::vector<std::string> out;
  ExtractEmails("write to John.Doe@Example.COM or x@file.exe, not @alone", &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], "john.doe@example.com");
}

TEST(Indicators, PhonesAreE164WithRegion) {
  std::vector<PhoneIndicator> out;
  ExtractPhones("Call 020 7946 0018 or +33 1 42 68 53 00 now", "GB", "body", &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].number, "+442079460018");
  EXPECT_EQ(out[0].country, "GB");
  EXPECT_EQ(out[1].number, "+33142685300");
  std::vector<PhoneIndicator> intl_only;
  ExtractPhones("Call 020 7946 0018", "", "body", &intl_only);
  EXPECT_TRUE(intl_only.empty());
}

TEST(Indicators, CryptoAddressesAreChecksummed) {
  std::vector<PaymentIndicator> out;
  ExtractPayments("pay 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 or bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq "
                  "but not 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",
                  &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].type, "bitcoin");
  EXPECT_EQ(out[1].value, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq");
}

TEST(Indicators, IbanWithSpaces) {
  std::vector<PaymentIndicator> out;
  ExtractPayments("IBAN: DE89 3704 0044 0532 0130 00 thanks", &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, "iban");
  EXPECT_EQ(out[0].value, "DE89370400440532013000");
  EXPECT_FALSE(IsValidIban("DE89370400440532013001"));
}

TEST(Indicators, RegionForTld) {
  EXPECT_EQ(RegionForTld("mail.example.co.uk"), "GB");
  EXPECT_EQ(RegionForTld("example.fr"), "FR");
  EXPECT_EQ(RegionForTld("example.com"), "");
  EXPECT_EQ(RegionForTld("example.io"), "");
}

}  // namespace lapis::analysis
