// Language identification of message text. Thread-safe after first use; never throws.
#pragma once

#include <string>
#include <string_view>

namespace lapis::analysis {

struct LanguageGuess {
  std::string code;   // ISO 639-1 ("en", "fr", "es", "de", "ko", ...) or "" when unknown
  double confidence = 0;  // 0..1
};

// Identifies the dominant language of UTF-8 text. Looks at no more than the first 64 KiB.
LanguageGuess DetectLanguage(std::string_view utf8_text);

}  // namespace lapis::analysis
