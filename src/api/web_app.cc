#include "api/web_app.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <vector>

#include "common/sha256.h"
#include "common/strings.h"

namespace lapis::api {
namespace {

namespace fs = std::filesystem;

// The build names every file under assets/ after a hash of its content.
constexpr std::string_view kAssetsPrefix = "/assets/";

std::string_view Extension(std::string_view name) {
  size_t slash = name.rfind('/');
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return {};
  return name.substr(dot + 1);
}

}  // namespace

std::string WebContentType(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"ico", "image/x-icon"},
      {"webp", "image/webp"},
      {"woff2", "font/woff2"},
      {"txt", "text/plain; charset=utf-8"},
      {"webmanifest", "application/manifest+json"},
  };
  std::string ext = ToLower(Extension(name));
  for (const auto& [e, type] : kTypes)
    if (ext == e) return std::string(type);
  return "application/octet-stream";
}

Result<std::unique_ptr<WebApp>> WebApp::Load(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::path(dir) / "index.html", ec))
    return Fail(Status::NotFound("no web application in " + dir + " (index.html missing)"));
  auto app = std::unique_ptr<WebApp>(new WebApp());
  app->dir_ = dir;
  size_t total = 0;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end;
  if (ec) return Fail(Status::IoError("cannot read " + dir + ": " + ec.message()));
  for (; it != end; it.increment(ec)) {
    if (ec) return Fail(Status::IoError("cannot read " + dir + ": " + ec.message()));
    const fs::path& p = it->path();
    std::string name = p.filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) {
      if (it.depth() >= kMaxWebDepth) it.disable_recursion_pending();
      continue;
    }
    if (app->files_.size() >= kMaxWebFiles)
      return Fail(Status::InvalidArgument(dir + " holds more than " + std::to_string(kMaxWebFiles) +
                                          " files"));
    std::ifstream in(p, std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return Fail(Status::IoError("cannot read " + p.string()));
    total += body.size();
    if (total > kMaxWebBytes)
      return Fail(Status::InvalidArgument(dir + " holds more than " + std::to_string(kMaxWebBytes) +
                                          " bytes"));
    std::string url = "/" + fs::relative(p, dir, ec).generic_string();
    if (ec) return Fail(Status::IoError("cannot read " + p.string() + ": " + ec.message()));
    WebFile f;
    f.content_type = WebContentType(url);
    f.etag = "\"" + Sha256Hex(body).substr(0, 32) + "\"";
    f.immutable = url.compare(0, kAssetsPrefix.size(), kAssetsPrefix) == 0;
    f.body = std::move(body);
    app->files_.emplace(std::move(url), std::move(f));
  }
  return app;
}

const WebFile* WebApp::Find(std::string_view path) const {
  if (path.empty() || path == "/") path = "/index.html";
  if (auto it = files_.find(path); it != files_.end()) return &it->second;
  // Application routes (/reports/abc..., /campaigns/12) have no extension and are not assets.
  if (path.compare(0, kAssetsPrefix.size(), kAssetsPrefix) == 0 || !Extension(path).empty())
    return nullptr;
  auto it = files_.find(std::string_view("/index.html"));
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace lapis::api
