// The analysis pipeline: raw complaint in, Report out. Stages run in order: parse, open wrappers
// (ARF, forwarded-as-attachment), headers, Received chain and origin, body text, indicators,
// attachments, authentication, language, classification, fingerprint. Enrichment of IPs is a
// later stage (enrich/). An Analyzer is immutable after construction and safe to share between
// threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analysis/origin.h"
#include "analysis/report.h"

namespace lapis::analysis {

inline constexpr size_t kMaxUrlsPerMessage = 500;
inline constexpr size_t kMaxBodyText = 1024 * 1024;  // visible text kept for later stages
inline constexpr int kMaxWrapperDepth = 3;            // wrappers opened inside wrappers

struct AnalyzerOptions {
  TrustConfig trust;
  std::string default_region;  // ISO 3166 region for national phone numbers, "" = infer only
  bool unwrap = true;          // open ARF reports and forwarded-as-attachment complaints
};

// One SMS complaint.
struct SmsReport {
  std::string sender;
  std::string text;
  std::optional<int64_t> time;
  std::string reporter_country;  // ISO 3166 alpha-2
  std::string reporter_number;
};

class Analyzer {
 public:
  explicit Analyzer(AnalyzerOptions options);

  // `id`, `size`, `truncated` describe the bytes as submitted (they may be longer than `raw`).
  Report AnalyzeEmail(std::string_view raw, const std::string& id, uint64_t size,
                      bool truncated) const;
  Report AnalyzeEmail(std::string_view raw) const;  // id and size computed from raw
  Report AnalyzeSms(const SmsReport& sms) const;

  // Several messages, each analysed as AnalyzeEmail does it, with the same reports. The parse
  // and the last stages (phone numbers, language, phrase rules, fingerprint), which consult large
  // tables and automata, each run over all of them in turn: what they consult stays in the
  // processor's caches from one message to the next instead of being evicted by the rest of the
  // analysis of each message (the phrase rules' automaton took 4x as long on a cold cache).
  struct Email {
    std::string_view raw;
    std::string id;
    uint64_t size = 0;
    bool truncated = false;
  };
  std::vector<Report> AnalyzeEmails(const std::vector<Email>& emails) const;

  const AnalyzerOptions& options() const { return options_; }

 private:
  struct Unfinished;  // a message analysed up to its text stages (FinishTexts)
  // With `unfinished` given, a message that is not a wrapper is left there for FinishTexts;
  // `parsed` (taken) is `raw` parsed already.
  void AnalyzeMessage(std::string_view raw, int wrapper_depth, Report* r,
                      std::vector<Unfinished>* unfinished = nullptr, mail::Message* parsed = nullptr) const;
  struct TextJob {
    const std::string* region;
    Report* report;
    const mail::Message* message;  // null for SMS
  };
  void FinishTexts(const std::vector<TextJob>& jobs) const;
  AnalyzerOptions options_;
};

// The canonical JSON of an SMS report (its evidence bytes; Report::id is their SHA-256).
std::string CanonicalSmsJson(const SmsReport& sms);

// Parses one SMS line: JSON {"sender","text","time","reporter_country","reporter_number"} or
// tab-separated "sender<TAB>text[<TAB>time[<TAB>country]]". False with `error` set if unusable.
bool ParseSmsLine(std::string_view line, SmsReport* out, std::string* error);

}  // namespace lapis::analysis
