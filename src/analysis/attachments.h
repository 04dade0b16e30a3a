// Attachment triage: hash, detected type (libmagic), and risk flags (executables, macros,
// archives holding executables, double extensions). Thread-safe (one libmagic handle per thread).
#pragma once

#include "analysis/report.h"

namespace lapis::analysis {

inline constexpr size_t kMaxArchiveEntries = 200;    // entries listed per archive
inline constexpr size_t kMagicBytes = 64 * 1024;     // bytes given to libmagic
inline constexpr size_t kMaxNestedArchiveBytes = 8 * 1024 * 1024;

AttachmentIndicator InspectAttachment(const mail::Part& part);

// Lower-case extension after the last dot, "" if none.
std::string Extension(std::string_view filename);
bool IsExecutableExtension(std::string_view ext);

}  // namespace lapis::analysis
