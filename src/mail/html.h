// Extracts readable text and every link from HTML, through libxml2's streaming (SAX) HTML parser:
// no tree is built and nothing is fetched. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lapis::mail {

inline constexpr size_t kMaxHtmlBytes = 2 * 1024 * 1024;  // input beyond this is not parsed
inline constexpr size_t kMaxHtmlTags = 20000;             // parsing stops at this many elements
inline constexpr size_t kMaxHtmlLinks = 2000;
inline constexpr size_t kMaxHtmlText = 1024 * 1024;
inline constexpr size_t kMaxLinkText = 512;

struct HtmlLink {
  std::string tag;   // "a", "area", "form", "img", "iframe", "script", "link", "meta-refresh", ...
  std::string href;  // attribute value as written (entities decoded)
  std::string text;  // visible text inside <a>, whitespace collapsed, at most kMaxLinkText bytes
};

struct HtmlResult {
  std::string text;   // visible text; block elements become line breaks; script/style dropped
  std::string title;
  std::vector<HtmlLink> links;
  size_t tags = 0;
  bool hit_tag_limit = false;
  bool hit_size_limit = false;
  bool hit_link_limit = false;
  bool has_form = false;
  bool has_password_input = false;
  bool has_script = false;
  bool has_iframe = false;
  bool has_hidden_text = false;  // display:none / font-size:0 / visibility:hidden styles seen
};

// Parses UTF-8 HTML. Never fails.
HtmlResult ParseHtml(std::string_view utf8_html);

}  // namespace lapis::mail
