#include "common/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "common/json_writer.h"

namespace lapis::log {
namespace {

std::atomic<enum Format> g_format{Format::kLogfmt};
std::atomic<Level> g_level{Level::kInfo};

const char* LevelName(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

std::string Timestamp(int64_t ms) {
  time_t s = static_cast<time_t>(ms / 1000);
  struct tm tm {};
  gmtime_r(&s, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

// logfmt value: bare when it is one plain word, quoted with escapes otherwise.
void AppendLogfmt(std::string& out, std::string_view v) {
  bool bare = !v.empty();
  for (unsigned char c : v)
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) bare = false;
  if (bare) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < ' ' || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

}  // namespace

void SetFormat(enum Format f) { g_format = f; }
void SetLevel(Level l) { g_level = l; }

bool ParseFormat(std::string_view name, enum Format* f) {
  if (name == "logfmt" || name == "text") *f = Format::kLogfmt;
  else if (name == "json") *f = Format::kJson;
  else return false;
  return true;
}

std::string FormatLine(enum Format f, int64_t time_ms, Level level, std::string_view event,
                   std::initializer_list<Field> fields) {
  if (f == Format::kJson) {
    JsonWriter w;
    w.BeginObject().Key("time").String(Timestamp(time_ms)).Key("level").String(LevelName(level));
    w.Key("event").String(event);
    for (const auto& fd : fields) {
      w.Key(fd.key);
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string_view>) w.String(v);
            else if constexpr (std::is_same_v<T, int64_t>) w.Int(v);
            else if constexpr (std::is_same_v<T, double>) w.Double(v);
            else w.Bool(v);
          },
          fd.value);
    }
    w.EndObject();
    return w.Take();
  }
  std::string out = "time=" + Timestamp(time_ms) + " level=" + LevelName(level) + " event=";
  AppendLogfmt(out, event);
  for (const auto& fd : fields) {
    out.push_back(' ');
    out.append(fd.key);
    out.push_back('=');
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string_view>) {
            AppendLogfmt(out, v);
          } else if constexpr (std::is_same_v<T, int64_t>) {
            out += std::to_string(v);
          } else if constexpr (std::is_same_v<T, double>) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.6g", v);
            out += buf;
          } else {
            out += v ? "true" : "false";
          }
        },
        fd.value);
  }
  return out;
}

void Event(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (level < g_level.load()) return;
  int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count();
  std::string line = FormatLine(g_format.load(), ms, level, event, fields);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);  // one call: lines from threads do not interleave
}

}  // namespace lapis::log
