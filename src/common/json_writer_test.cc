#include "common/json_writer.h"

#include <gtest/gtest.h>

namespace lapis {

TEST(JsonWriter, NestedContainersAndEscapes) {
  JsonWriter w;
  w.BeginObject();
  w.Key("a").String("q\"b\\n\n\x01");
  w.Key("b").BeginArray().Int(-1).Uint(2).Bool(true).Null().EndArray();
  w.Key("c").BeginObject().EndObject();
  w.Key("d").BeginArray().EndArray();
  w.Key("e").StringOrNull("");
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"a":"q\"b\\n\n\u0001","b":[-1,2,true,null],"c":{},"d":[],"e":null})");
}

TEST(JsonWriter, InvalidUtf8IsReplaced) {
  JsonWriter w;
  w.String("a\xff");
  EXPECT_EQ(w.str(), "\"a\xEF\xBF\xBD\"");
}

TEST(JsonWriter, PrettyIndents) {
  JsonWriter w(true);
  w.BeginObject().Key("a").BeginArray().Int(1).EndArray().EndObject();
  EXPECT_EQ(w.str(), "{\n  \"a\": [\n    1\n  ]\n}");
}

}  // namespace lapis
