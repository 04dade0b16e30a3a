// libFuzzer target: the whole analysis of one message (MIME, headers, Received chain, HTML, URLs,
// attachments, classification, fingerprint) and its JSON form.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "analysis/analyzer.h"
#include "analysis/report_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const lapis::analysis::Analyzer analyzer({});
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto report = analyzer.AnalyzeEmail(raw);
  auto json = lapis::analysis::ReportToJson(report);
  if (json.empty()) __builtin_trap();
  return 0;
}
