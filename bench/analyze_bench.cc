// Throughput of the analysis pipeline over a corpus, against a bare GMime parse of the same
// messages measured in the same run. Prints figures; not a test.
//   analyze_bench [--ipdb FILE] [--repeat N] CORPUS_DIR...
#include <gmime/gmime.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "analysis/analyzer.h"
#include "analysis/report_json.h"
#include "common/ip.h"
#include "common/sha256.h"
#include "enrich/ipdb.h"
#include "mail/message.h"
#include "mail/sources.h"

namespace {

using Clock = std::chrono::steady_clock;

// The cost of parsing alone: GMime builds the tree, every header is decoded, every text part is
// decoded to UTF-8.
size_t BareParse(const std::string& raw) {
  GMimeStream* stream = g_mime_stream_mem_new_with_buffer(raw.data(), raw.size());
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  GMimeMessage* m = g_mime_parser_construct_message(parser, nullptr);
  size_t n = 0;
  if (m) {
    GMimeHeaderList* hl = g_mime_object_get_header_list(GMIME_OBJECT(m));
    int count = g_mime_header_list_get_count(hl);
    for (int i = 0; i < count; ++i) {
      GMimeHeader* h = g_mime_header_list_get_header_at(hl, i);
      char* v = g_mime_utils_header_decode_text(nullptr, g_mime_header_get_raw_value(h));
      n += v ? strlen(v) : 0;
      g_free(v);
    }
    GMimePartIter* it = g_mime_part_iter_new(GMIME_OBJECT(m));
    do {
      GMimeObject* p = g_mime_part_iter_get_current(it);
      if (p && GMIME_IS_TEXT_PART(p)) {
        char* t = g_mime_text_part_get_text(GMIME_TEXT_PART(p));
        n += t ? strlen(t) : 0;
        g_free(t);
      }
    } while (g_mime_part_iter_next(it));
    g_mime_part_iter_free(it);
    g_object_unref(m);
  }
  g_object_unref(parser);
  g_object_unref(stream);
  return n;
}

double Seconds(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }

template <typename F>
double RunThreads(int threads, size_t n, F f) {
  auto t0 = Clock::now();
  std::atomic<size_t> next{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < n;) f(i);
    });
  for (auto& t : ts) t.join();
  return Seconds(t0);
}

long PeakRssKb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  std::string ipdb_path;
  int repeat = 1;
  std::vector<std::string> dirs;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--ipdb") && i + 1 < argc) ipdb_path = argv[++i];
    else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
    else dirs.push_back(argv[i]);
  }
  if (dirs.empty()) {
    std::fprintf(stderr, "usage: analyze_bench [--ipdb FILE] [--repeat N] CORPUS_DIR...\n");
    return 2;
  }
  lapis::mail::InitGMime();
  std::vector<lapis::mail::RawMessage> msgs;
  lapis::mail::SourceStats st;
  lapis::mail::ReadMessages(dirs, lapis::mail::kDefaultMaxMessageSize,
                            [&](lapis::mail::RawMessage&& m) { msgs.push_back(std::move(m)); },
                            [](const std::string& p, const lapis::Status& s) {
                              std::fprintf(stderr, "%s: %s\n", p.c_str(), s.ToString().c_str());
                            },
                            &st);
  if (msgs.empty()) {
    std::fprintf(stderr, "analyze_bench: no messages in the corpus given\n");
    return 2;
  }
  size_t bytes = 0;
  for (const auto& m : msgs) bytes += m.data.size();
  long rss_loaded = PeakRssKb();
  std::unique_ptr<lapis::enrich::IpDb> db;
  if (!ipdb_path.empty()) {
    auto r = lapis::enrich::IpDb::Open(ipdb_path);
    if (r) db = std::move(*r);
    else std::fprintf(stderr, "warning: %s\n", r.error().ToString().c_str());
  }
  lapis::analysis::Analyzer analyzer({});
  std::printf("corpus: %zu messages, %.1f MB\n", msgs.size(), bytes / 1e6);

  // Warm-up pass over the whole corpus: libmagic, CLD2 and libphonenumber initialise lazily, and
  // RE2 builds its DFA states as texts need them (they are kept for later messages).
  auto t_warm = Clock::now();
  for (const auto& m : msgs) {
    BareParse(m.data);
    analyzer.AnalyzeEmail(m.data);
  }
  std::printf("warm-up pass (first sight of the corpus): %.1f us/msg\n",
              Seconds(t_warm) * 1e6 / msgs.size());
  auto full = [&](size_t i) {
    const auto& m = msgs[i % msgs.size()];
    auto r = analyzer.AnalyzeEmail(m.data, m.sha256, m.size, m.truncated);
    if (db) lapis::enrich::Enrich(*db, &r);
    std::string json = lapis::analysis::ReportToJson(r);
    if (json.empty()) std::abort();
  };
  size_t n = msgs.size() * repeat;
  double t_bare = RunThreads(1, n, [&](size_t i) { BareParse(msgs[i % msgs.size()].data); });
  double t_full1 = RunThreads(1, n, full);
  double t_full2 = RunThreads(2, n, full);
  double mb = bytes * repeat / 1e6;
  auto line = [&](const char* name, double t) {
    std::printf("%-36s %9.0f msg/s %8.1f MB/s %8.1f us/msg\n", name, n / t, mb / t, t * 1e6 / n);
  };
  line("bare GMime parse, 1 thread", t_bare);
  line("full analysis, 1 thread", t_full1);
  line("full analysis, 2 threads (--jobs 2)", t_full2);
  std::printf("ratio full(1 thread) / bare parse: %.2f (target >= 0.50)\n", t_bare / t_full1);
  std::printf("scaling 2 threads / 1 thread: %.2fx\n", t_full1 / t_full2);
  if (db) {
    std::vector<lapis::IpAddress> ips;
    for (uint32_t i = 0; i < 1000000; ++i) {
      lapis::IpAddress a;
      uint32_t v = i * 2654435761u;
      a.bytes[0] = v >> 24;
      a.bytes[1] = v >> 16;
      a.bytes[2] = v >> 8;
      a.bytes[3] = v;
      ips.push_back(a);
    }
    auto t0 = Clock::now();
    uint64_t sum = 0;
    for (const auto& a : ips) sum += db->Lookup(a).asn;
    double t = Seconds(t0);
    std::printf("IP lookup: %.3f us/lookup over %zu random IPv4 (checksum %llu)\n", t * 1e6 / ips.size(),
                ips.size(), static_cast<unsigned long long>(sum));
  }
  std::printf("peak RSS: %.1f MB (corpus loaded in memory: %.1f MB of it)\n", PeakRssKb() / 1024.0,
              rss_loaded / 1024.0);
  return 0;
}
