#include "api/web_app.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace lapis::api {
namespace {

namespace fs = std::filesystem;

class WebAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lapis-web-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& rel, const std::string& body) {
    fs::create_directories((fs::path(dir_) / rel).parent_path());
    std::ofstream(fs::path(dir_) / rel, std::ios::binary) << body;
  }
  std::string dir_;
};

TEST_F(WebAppTest, ServesFilesAndFallsBackToIndexForAppRoutes) {
  Write("index.html", "<!doctype html><title>Lapis</title>");
  Write("assets/app-ABCD1234.js", "console.log(1)");
  Write("assets/world-XYZ.json", "{}");
  Write("favicon.svg", "<svg/>");
  Write(".hidden", "secret");
  Write(".git/config", "secret");
  auto app = WebApp::Load(dir_);
  ASSERT_TRUE(app) << app.error().ToString();
  EXPECT_EQ((*app)->files(), 4u);

  const WebFile* index = (*app)->Find("/");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_FALSE(index->immutable);
  EXPECT_EQ(index->etag.size(), 34u);

  const WebFile* js = (*app)->Find("/assets/app-ABCD1234.js");
  ASSERT_NE(js, nullptr);
  EXPECT_EQ(js->body, "console.log(1)");
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_TRUE(js->immutable);
  EXPECT_EQ((*app)->Find("/favicon.svg")->content_type, "image/svg+xml");

  // Application routes are the page; missing files and assets are not.
  EXPECT_EQ((*app)->Find("/reports/0123abcd"), index);
  EXPECT_EQ((*app)->Find("/campaigns/12"), index);
  EXPECT_EQ((*app)->Find("/assets/missing-1234"), nullptr);
  EXPECT_EQ((*app)->Find("/missing.js"), nullptr);
  EXPECT_EQ((*app)->Find("/.hidden"), nullptr);
  // Paths are looked up among the files read at start, never opened: these are the page.
  EXPECT_EQ((*app)->Find("/.git/config"), index);
  EXPECT_EQ((*app)->Find("/../etc/passwd"), index);
}

TEST_F(WebAppTest, RefusesADirectoryWithoutIndex) {
  Write("app.js", "x");
  auto app = WebApp::Load(dir_);
  ASSERT_FALSE(app);
  EXPECT_EQ(app.error().code(), Status::Code::kNotFound);
}

TEST(WebContentType, ByExtension) {
  EXPECT_EQ(WebContentType("/a/b.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(WebContentType("/a.json"), "application/json");
  EXPECT_EQ(WebContentType("/a.woff2"), "font/woff2");
  EXPECT_EQ(WebContentType("/dir.d/file"), "application/octet-stream");
}

}  // namespace
}  // namespace lapis::api
