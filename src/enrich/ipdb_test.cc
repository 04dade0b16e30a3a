#include "enrich/ipdb.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace lapis::enrich {
namespace {

namespace fs = std::filesystem;

IpDbSources WriteSample(const fs::path& dir) {
  fs::create_directories(dir);
  std::ofstream(dir / "a4.csv") << "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n"
                                   "8.8.8.0,8.8.8.255,15169,Google LLC\n";
  std::ofstream(dir / "a6.csv") << "2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC\n";
  std::ofstream(dir / "c4.csv") << "1.0.0.0,1.0.0.255,AU\n8.8.8.0,8.8.8.255,US\n";
  std::ofstream(dir / "c6.csv") << "2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,US\n";
  return {(dir / "a4.csv").string(), (dir / "a6.csv").string(), (dir / "c4.csv").string(),
          (dir / "c6.csv").string()};
}

}  // namespace

TEST(IpDb, BuildSaveOpenLookup) {
  fs::path dir = fs::temp_directory_path() / ("lapis_ipdb_" + std::to_string(::getpid()));
  auto db = IpDb::BuildFromCsv(WriteSample(dir));
  ASSERT_TRUE(db) << db.error().ToString();
  ASSERT_TRUE((*db)->Save((dir / "ip.bin").string()).ok());
  auto loaded = IpDb::Open((dir / "ip.bin").string());
  ASSERT_TRUE(loaded);
  auto info = (*loaded)->Lookup(*IpAddress::Parse("1.0.0.1"));
  EXPECT_EQ(info.asn, 13335u);
  EXPECT_EQ(info.as_org, "Cloudflare, Inc.");
  EXPECT_EQ(info.country, "AU");
  auto g6 = (*loaded)->Lookup(*IpAddress::Parse("2001:4860:4860::8888"));
  EXPECT_EQ(g6.asn, 15169u);
  EXPECT_EQ(g6.country, "US");
  auto none = (*loaded)->Lookup(*IpAddress::Parse("9.9.9.9"));
  EXPECT_EQ(none.asn, 0u);
  EXPECT_EQ(none.country, "");
  fs::remove_all(dir);
}

TEST(IpDb, RejectsCorruptFile) {
  fs::path p = fs::temp_directory_path() / ("lapis_ipdb_bad_" + std::to_string(::getpid()));
  std::ofstream(p) << "LAPISIP1garbage";
  EXPECT_FALSE(IpDb::Open(p.string()));
  fs::remove(p);
}

}  // namespace lapis::enrich
