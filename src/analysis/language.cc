#include "analysis/language.h"

#include <cld2/internal/lang_script.h>
#include <cld2/public/compact_lang_det.h>

#include "common/strings.h"

namespace lapis::analysis {
namespace {
constexpr size_t kMaxLanguageBytes = 64 * 1024;
constexpr int kMinTextBytes = 20;  // below this CLD2 guesses wildly
}  // namespace

LanguageGuess DetectLanguage(std::string_view text) {
  LanguageGuess g;
  if (text.size() > kMaxLanguageBytes) {
    text = text.substr(0, kMaxLanguageBytes);
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80)
      text.remove_suffix(1);  // do not end inside a UTF-8 sequence
    if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0) text.remove_suffix(1);
  }
  std::string clean = IsValidUtf8(text) ? std::string(text) : SanitizeUtf8(text);
  CLD2::Language lang3[3];
  int percent3[3];
  int text_bytes = 0;
  bool reliable = false;
  CLD2::Language lang = CLD2::ExtDetectLanguageSummary(
      clean.data(), static_cast<int>(clean.size()), /*is_plain_text=*/true, lang3, percent3,
      &text_bytes, &reliable);
  if (lang == CLD2::UNKNOWN_LANGUAGE || text_bytes < kMinTextBytes) return g;
  std::string code = CLD2::LanguageCode(lang);
  if (code == "un" || code == "xxx") return g;
  size_t dash = code.find('-');
  if (dash != std::string::npos) code = code.substr(0, dash);
  if (code.size() != 2) return g;  // CLD2 reports some languages with 3-letter codes only
  g.code = code;
  g.confidence = (reliable ? 0.5 : 0.0) + percent3[0] / 200.0;
  return g;
}

}  // namespace lapis::analysis
