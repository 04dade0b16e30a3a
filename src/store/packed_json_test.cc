#include "store/packed_json.h"

#include <gtest/gtest.h>

#include <string>

namespace lapis::store {
namespace {

std::string SampleAnalysis() {
  std::string j = R"({"schema_version":1,"kind":"email","id":"4cc921605a28448d53a2b32c654e17ee19c521c69401d316dd19f589a9271fa2",)"
                  R"("size":3726,"headers":{"subject":"Re: modem question","from":{"name":"R","address":"r@example.org"}},"received":[)";
  for (int i = 0; i < 6; ++i) {
    if (i) j += ",";
    j += R"({"helo":"relay)" + std::to_string(i) + R"(.example.net","rdns":null,"ip":"192.0.2.)" + std::to_string(i) +
         R"(","by":"mx.example.org","protocol":"ESMTP","flags":[],"trusted":true})";
  }
  j += R"(],"classification":{"category":"commercial-spam","score":0.8},"defects":[]})";
  return j;
}

TEST(PackedJson, APackedValueUnpacksToTheSameTextAndIsSmaller) {
  const std::string json = SampleAnalysis();
  std::string packed = PackJson(json);
  EXPECT_LT(packed.size() * 2, json.size());
  EXPECT_NE(packed.front(), '{');
  auto back = UnpackJson(packed);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*back, json);
}

TEST(PackedJson, ValuesStoredBeforePackingReadAsTheyAre) {
  for (std::string v : {std::string(R"({"a":1})"), std::string("[]"), std::string(""), std::string("  {}")}) {
    auto back = UnpackJson(v);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, v);
  }
}

TEST(PackedJson, EmptyAndBinaryInputSurviveAPackedRoundTrip) {
  std::string bytes;
  for (int i = 0; i < 5000; ++i) bytes.push_back(static_cast<char>((i * 7919) & 0xff));
  for (const std::string& v : {std::string(), bytes}) {
    auto back = UnpackJson(PackJson(v));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, v);
  }
}

TEST(PackedJson, DamagedPackedValuesAreCorruptionErrorsNotCrashes) {
  std::string packed = PackJson(SampleAnalysis());
  std::vector<std::string> damaged = {
      packed.substr(0, 1),                  // version byte only
      packed.substr(0, packed.size() / 2),  // truncated frame
      std::string("\x01garbage bytes that are no zstd frame", 37),
  };
  std::string flipped = packed;
  flipped[flipped.size() / 2] ^= 0x5a;
  damaged.push_back(flipped);
  for (const auto& d : damaged) {
    auto back = UnpackJson(d);
    if (back.has_value()) {
      // A flipped byte inside compressed data may still decode; it must not decode to the original.
      EXPECT_NE(*back, SampleAnalysis());
    } else {
      EXPECT_EQ(back.error().code(), Status::Code::kCorruption);
    }
  }
  EXPECT_FALSE(UnpackJson(damaged[0]).has_value());
  EXPECT_FALSE(UnpackJson(damaged[1]).has_value());
  EXPECT_FALSE(UnpackJson(damaged[2]).has_value());
}

}  // namespace
}  // namespace lapis::store
