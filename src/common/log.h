// Structured logs on stderr: one line per event, as logfmt (`time=... level=info event=... k=v`,
// the default) or as JSON objects (`--log-format json`). Thread-safe; a line is written whole.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace lapis::log {

enum class Format { kLogfmt, kJson };
enum class Level { kDebug, kInfo, kWarn, kError };

void SetFormat(Format f);
void SetLevel(Level l);
// "logfmt"/"text" or "json"; false when unknown.
bool ParseFormat(std::string_view name, Format* f);

using Value = std::variant<std::string_view, int64_t, double, bool>;
struct Field {
  std::string_view key;
  Value value;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, int64_t v) : key(k), value(v) {}
  Field(std::string_view k, int v) : key(k), value(int64_t{v}) {}
  Field(std::string_view k, uint64_t v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
};

void Event(Level level, std::string_view event, std::initializer_list<Field> fields = {});
inline void Info(std::string_view event, std::initializer_list<Field> fields = {}) { Event(Level::kInfo, event, fields); }
inline void Warn(std::string_view event, std::initializer_list<Field> fields = {}) { Event(Level::kWarn, event, fields); }
inline void Error(std::string_view event, std::initializer_list<Field> fields = {}) { Event(Level::kError, event, fields); }

// The line Event() would write (without the newline), for tests.
std::string FormatLine(Format f, int64_t time_ms, Level level, std::string_view event, std::initializer_list<Field> fields);

}  // namespace lapis::log
