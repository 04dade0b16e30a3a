// Load generator for a running node (bench/node_bench.sh drives it). Not a test.
//
//   load_gen intake --url http://127.0.0.1:PORT --token T --count N [--clients C] [--start K] CORPUS_DIR...
//     POSTs N distinct reports (corpus messages, each with a header naming it) over keep-alive
//     connections; a 503 is retried after its Retry-After. Prints the acknowledged rate.
//   load_gen query --url ... --token T [--rounds R]
//     Times report pages with filters, indicator lookups and dashboard aggregates; prints p50/p95.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "mail/sources.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string mode, url, token;
  size_t count = 1000, clients = 8, start = 0, rounds = 50;
  std::vector<std::string> corpus;
};

bool Parse(int argc, char** argv, Args* a) {
  if (argc < 2) return false;
  a->mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (k == "--url") a->url = next();
    else if (k == "--token") a->token = next();
    else if (k == "--count") a->count = std::stoul(next());
    else if (k == "--clients") a->clients = std::stoul(next());
    else if (k == "--start") a->start = std::stoul(next());
    else if (k == "--rounds") a->rounds = std::stoul(next());
    else a->corpus.push_back(k);
  }
  return !a->url.empty() && !a->token.empty();
}

std::unique_ptr<httplib::Client> NewClient(const Args& a) {
  auto c = std::make_unique<httplib::Client>(a.url);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);
  c->set_read_timeout(120, 0);
  c->set_write_timeout(120, 0);
  c->set_default_headers({{"Authorization", "Bearer " + a.token}});
  return c;
}

int Intake(const Args& a) {
  std::vector<std::string> messages;
  lapis::mail::SourceStats stats;
  lapis::mail::ReadMessages(
      a.corpus, lapis::mail::kDefaultMaxMessageSize,
      [&](lapis::mail::RawMessage&& m) { messages.push_back(std::move(m.data)); },
      [](const std::string& path, const lapis::Status& s) {
        std::fprintf(stderr, "load_gen: %s: %s\n", path.c_str(), s.ToString().c_str());
      },
      &stats);
  if (messages.empty()) {
    std::fprintf(stderr, "load_gen: no corpus messages\n");
    return 2;
  }
  std::atomic<size_t> next{a.start}, acked{0}, retried{0}, failed{0};
  const size_t end = a.start + a.count;
  auto t0 = Clock::now();
  std::atomic<bool> done{false};
  std::thread progress([&] {
    size_t last = 0;
    auto tl = Clock::now();
    while (!done) {
      for (int i = 0; i < 100 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      size_t n = acked.load();
      auto now = Clock::now();
      double dt = std::chrono::duration<double>(now - tl).count();
      std::fprintf(stderr, "load_gen: %zu acknowledged, %.0f/s over the last %.0f s, %zu retried after 503\n", n,
                   (n - last) / dt, dt, retried.load());
      last = n;
      tl = now;
    }
  });
  std::vector<std::thread> workers;
  for (size_t w = 0; w < a.clients; ++w) {
    workers.emplace_back([&] {
      auto cli = NewClient(a);
      std::string body;
      for (size_t i = next++; i < end; i = next++) {
        const std::string& m = messages[i % messages.size()];
        body = "X-Bench-Report: " + std::to_string(i) + "\r\n";
        body += m;
        for (int attempt = 0;; ++attempt) {
          auto res = cli->Post("/api/v1/reports", body, "message/rfc822");
          if (res && res->status == 202) {
            ++acked;
            break;
          }
          if (res && res->status == 503) {
            ++retried;
            int wait = 1;
            if (res->has_header("Retry-After")) wait = std::max(1, std::atoi(res->get_header_value("Retry-After").c_str()));
            std::this_thread::sleep_for(std::chrono::seconds(wait));
            continue;
          }
          if (attempt < 3) {
            cli = NewClient(a);
            continue;
          }
          ++failed;
          break;
        }
      }
    });
  }
  for (auto& t : workers) t.join();
  done = true;
  progress.join();
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("intake: %zu acknowledged, %zu failed, %zu retries after 503, %.1f s, %.0f reports/s\n", acked.load(),
              failed.load(), retried.load(), s, acked.load() / s);
  return failed ? 1 : 0;
}

struct Timing {
  std::string name;
  std::vector<double> ms;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5));
  return v[i];
}

int Query(const Args& a) {
  auto cli = NewClient(a);
  // Values to ask about, from the store itself.
  std::vector<std::string> domains, countries, asns;
  auto values = [&](const std::string& dim, std::vector<std::string>* out) {
    auto r = cli->Get(("/api/v1/stats?limit=30&dimension=" + dim).c_str());
    if (!r || r->status != 200) return;
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    if (j.is_discarded()) return;
    for (const auto& it : j["items"]) out->push_back(it["value"].get<std::string>());
  };
  values("domain", &domains);
  values("origin_country", &countries);
  values("origin_asn", &asns);
  if (domains.empty() || countries.empty() || asns.empty()) {
    std::fprintf(stderr, "load_gen: the store has no aggregates yet\n");
    return 1;
  }
  const char* words[] = {"money", "free", "offer", "account", "paypal", "viagra", "click", "business"};
  const char* categories[] = {"phishing", "commercial-spam", "advance-fee-fraud", "malware", "not-spam"};
  std::vector<Timing> kinds = {{"report page: category filter", {}},  {"report page: country filter", {}},
                               {"report page: ASN filter", {}},       {"report page: full-text search", {}},
                               {"report page: domain filter", {}},    {"report page: no filter", {}},
                               {"indicator lookup: domain", {}},      {"dashboard: category by day", {}},
                               {"dashboard: top origin countries", {}}, {"dashboard: top domains", {}}};
  size_t errors = 0;
  for (size_t r = 0; r < a.rounds; ++r) {
    std::vector<std::string> paths = {
        std::string("/api/v1/reports?limit=50&category=") + categories[r % std::size(categories)],
        "/api/v1/reports?limit=50&origin_country=" + countries[r % countries.size()],
        "/api/v1/reports?limit=50&asn=" + asns[r % asns.size()],
        std::string("/api/v1/reports?limit=50&q=") + words[r % std::size(words)],
        "/api/v1/reports?limit=50&domain=" + domains[r % domains.size()],
        "/api/v1/reports?limit=50",
        "/api/v1/indicators?type=domain&value=" + domains[(r * 7) % domains.size()],
        "/api/v1/stats?dimension=category&by=day",
        "/api/v1/stats?dimension=origin_country",
        "/api/v1/stats?dimension=domain"};
    for (size_t k = 0; k < paths.size(); ++k) {
      auto t0 = Clock::now();
      auto res = cli->Get(paths[k].c_str());
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (!res || res->status != 200) {
        ++errors;
        std::fprintf(stderr, "load_gen: %s -> %d\n", paths[k].c_str(), res ? res->status : -1);
        continue;
      }
      kinds[k].ms.push_back(ms);
    }
  }
  std::vector<double> all;
  for (const auto& k : kinds) {
    std::printf("%-36s p50 %7.1f ms   p95 %7.1f ms   max %7.1f ms   (%zu requests)\n", k.name.c_str(),
                Percentile(k.ms, 0.5), Percentile(k.ms, 0.95), Percentile(k.ms, 1.0), k.ms.size());
    all.insert(all.end(), k.ms.begin(), k.ms.end());
  }
  std::printf("%-36s p50 %7.1f ms   p95 %7.1f ms   (%zu requests, %zu errors)\n", "all queries", Percentile(all, 0.5),
              Percentile(all, 0.95), all.size(), errors);
  return errors ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!Parse(argc, argv, &a) || (a.mode != "intake" && a.mode != "query")) {
    std::fprintf(stderr,
                 "usage: load_gen intake --url URL --token T --count N [--clients C] [--start K] CORPUS_DIR...\n"
                 "       load_gen query --url URL --token T [--rounds R]\n");
    return 2;
  }
  return a.mode == "intake" ? Intake(a) : Query(a);
}
