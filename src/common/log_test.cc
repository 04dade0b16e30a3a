#include "common/log.h"

#include <gtest/gtest.h>

namespace lapis::log {
namespace {

TEST(Log, LogfmtQuotesValuesWithSpacesAndEscapesControlCharacters) {
  std::string line = FormatLine(Format::kLogfmt, 0, Level::kInfo, "http.request",
                            {{"path", "/api/v1/reports"}, {"q", "a \"b\"\n"}, {"status", 200}, {"ok", true}});
  EXPECT_EQ(line,
            "time=1970-01-01T00:00:00.000Z level=info event=http.request path=/api/v1/reports "
            "q=\"a \\\"b\\\"\\n\" status=200 ok=true");
}

TEST(Log, LogfmtQuotesEmptyValues) {
  EXPECT_EQ(FormatLine(Format::kLogfmt, 1500, Level::kWarn, "x", {{"org", ""}}),
            "time=1970-01-01T00:00:01.500Z level=warn event=x org=\"\"");
}

TEST(Log, JsonLinesAreObjectsWithTypedFields) {
  EXPECT_EQ(FormatLine(Format::kJson, 0, Level::kError, "store.error", {{"detail", "disk full"}, {"n", int64_t{3}}}),
            "{\"time\":\"1970-01-01T00:00:00.000Z\",\"level\":\"error\",\"event\":\"store.error\","
            "\"detail\":\"disk full\",\"n\":3}");
}

TEST(Log, ParsesFormatNames) {
  enum Format f = Format::kJson;
  EXPECT_TRUE(ParseFormat("logfmt", &f));
  EXPECT_EQ(f, Format::kLogfmt);
  EXPECT_TRUE(ParseFormat("json", &f));
  EXPECT_EQ(f, Format::kJson);
  EXPECT_FALSE(ParseFormat("xml", &f));
}

}  // namespace
}  // namespace lapis::log
