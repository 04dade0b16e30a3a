// The built web application (web/dist, docs/web.md) as `lapis serve` hands it out: every file is
// read once when the node starts, so a request never touches the disk and no path from a request
// is ever opened. Immutable after Load; safe to share between threads.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace lapis::api {

inline constexpr size_t kMaxWebFiles = 2000;
inline constexpr size_t kMaxWebBytes = 64 * 1024 * 1024;
inline constexpr int kMaxWebDepth = 8;

// Content-Security-Policy of the application's pages: scripts, styles, fonts and API calls from
// this origin only; images from this origin or data: URLs; nothing may frame the application.
// Inline styles are allowed because the sandboxed message preview (an about:srcdoc frame, which
// inherits this policy) keeps the message's own formatting; no inline or remote script is.
inline constexpr const char* kWebContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
    "data:; "
    "font-src 'self'; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'; object-src 'none'";

struct WebFile {
  std::string body;
  std::string content_type;
  std::string etag;        // quoted strong validator: a prefix of the body's SHA-256
  bool immutable = false;  // its name carries a hash of its content (assets/NAME-HASH.EXT)
};

class WebApp {
 public:
  // Reads every regular file under `dir` (which must hold index.html); fails on more than
  // kMaxWebFiles files or kMaxWebBytes bytes, and skips hidden files and symbolic links.
  static Result<std::unique_ptr<WebApp>> Load(const std::string& dir);

  // The file answering a GET of `path` (the URL path, query removed): the file itself; else
  // index.html for an application route (no file extension, not under /assets/), so that a
  // reload of any page of the application works; else nullptr.
  const WebFile* Find(std::string_view path) const;

  size_t files() const { return files_.size(); }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::map<std::string, WebFile, std::less<>> files_;  // by URL path, "/index.html"
};

// The media type of a file name by its extension ("application/octet-stream" when unknown).
std::string WebContentType(std::string_view name);

}  // namespace lapis::api
