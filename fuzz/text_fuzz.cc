// libFuzzer target: URL extraction and HTML text extraction on arbitrary text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mail/html.h"
#include "mail/urls.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  bool hit = false;
  auto urls = lapis::mail::ExtractUrls(text, 100, &hit);
  for (const auto& u : urls)
    if (u.url.size() > 4 * lapis::mail::kMaxUrlLength) __builtin_trap();
  auto html = lapis::mail::ParseHtml(text);
  if (html.links.size() > lapis::mail::kMaxHtmlLinks) __builtin_trap();
  return 0;
}
