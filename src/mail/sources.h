// Reads messages from files, directories (recursive; Maildir cur/ and new/), mbox files and stdin,
// in bounded memory: at most `max_message_size` bytes of a message are kept, while its SHA-256 is
// computed over every byte. Not thread-safe; use from one thread and hand messages to workers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"

namespace lapis::mail {

inline constexpr size_t kDefaultMaxMessageSize = 32 * 1024 * 1024;

struct RawMessage {
  std::string data;       // the message bytes (mbox From_ line removed), cut at the size limit
  std::string sha256;     // of every byte of the message, even past the limit
  uint64_t size = 0;      // full size in bytes
  bool truncated = false;
  std::string path;       // file it came from, "-" for stdin
  int64_t index = -1;     // 0-based position within an mbox; -1 for a single-message file
};

struct SourceStats {
  uint64_t files = 0;
  uint64_t messages = 0;
  uint64_t skipped_files = 0;  // files found by directory walk that do not look like mail
};

using MessageSink = std::function<void(RawMessage&&)>;
using ErrorSink = std::function<void(const std::string& path, const Status&)>;

// Reads every message under each path and hands it to `sink` in a stable order (files sorted by
// path). Unreadable inputs go to `on_error`; the walk continues. Returns the number of errors.
size_t ReadMessages(const std::vector<std::string>& paths, size_t max_message_size,
                    const MessageSink& sink, const ErrorSink& on_error, SourceStats* stats);

// True when the first bytes look like an mbox ("From " envelope line).
bool LooksLikeMbox(std::string_view head);
// True when the first bytes look like a message or mbox (header field or From_ line).
bool LooksLikeMail(std::string_view head);

}  // namespace lapis::mail
