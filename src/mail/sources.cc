#include "mail/sources.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "common/sha256.h"
#include "common/strings.h"

namespace lapis::mail {
namespace {

namespace fs = std::filesystem;
constexpr size_t kReadChunk = 256 * 1024;
constexpr size_t kSniffBytes = 4096;
constexpr size_t kMaxFilesPerWalk = 10'000'000;

std::string_view SkipBom(std::string_view s) {
  if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  return s;
}

// A line that starts a new message in an mbox: "From " followed by a sender and a date.
bool IsFromLine(std::string_view line) {
  if (line.size() < 6 || line.substr(0, 5) != "From ") return false;
  line = line.substr(5);
  // The date part carries at least one "hh:mm" and digits; a body line starting with "From "
  // rarely does. Escaped lines (">From ") never match.
  size_t colon = line.find(':');
  return colon != std::string_view::npos && colon > 0 && colon + 1 < line.size() &&
         isdigit(static_cast<unsigned char>(line[colon - 1])) &&
         isdigit(static_cast<unsigned char>(line[colon + 1]));
}

class MessageBuilder {
 public:
  MessageBuilder(size_t max, std::string path) : max_(max), path_(std::move(path)) {}
  void Start(int64_t index) {
    cur_ = RawMessage{};
    cur_.path = path_;
    cur_.index = index;
    hash_.Reset();
    active_ = true;
  }
  void Append(std::string_view bytes) {
    if (!active_) return;
    hash_.Update(bytes);
    cur_.size += bytes.size();
    if (cur_.data.size() < max_) {
      size_t take = std::min(bytes.size(), max_ - cur_.data.size());
      cur_.data.append(bytes.substr(0, take));
      if (take < bytes.size()) cur_.truncated = true;
    } else if (!bytes.empty()) {
      cur_.truncated = true;
    }
  }
  bool active() const { return active_; }
  RawMessage Finish() {
    active_ = false;
    cur_.sha256 = hash_.HexDigest();
    return std::move(cur_);
  }

 private:
  size_t max_;
  std::string path_;
  RawMessage cur_;
  Sha256 hash_;
  bool active_ = false;
};

bool IsImapFolderRecord(const RawMessage& m) {
  std::string_view head(m.data.data(), std::min<size_t>(m.data.size(), 2048));
  return FindIgnoreCase(head, "FOLDER INTERNAL DATA") != std::string_view::npos &&
         FindIgnoreCase(head, "X-IMAP") != std::string_view::npos;
}

struct FileCloser {
  void operator()(FILE* f) const {
    if (f && f != stdin) fclose(f);
  }
};

// Streams one file (or stdin) as a single message or an mbox.
Status ReadStream(FILE* f, const std::string& path, size_t max, const MessageSink& sink,
                  SourceStats* stats) {
  std::string buf;
  buf.resize(kReadChunk);
  size_t n = fread(buf.data(), 1, buf.size(), f);
  if (ferror(f)) return Status::IoError(std::strerror(errno));
  std::string_view first(buf.data(), n);
  bool mbox = LooksLikeMbox(SkipBom(first));
  MessageBuilder b(max, path);
  if (!mbox) {
    b.Start(-1);
    while (n > 0) {
      b.Append(std::string_view(buf.data(), n));
      n = fread(buf.data(), 1, buf.size(), f);
    }
    if (ferror(f)) return Status::IoError(std::strerror(errno));
    sink(b.Finish());
    ++stats->messages;
    return Status::Ok();
  }
  // mbox: split into lines across chunk boundaries; the line buffer holds one partial line and is
  // itself bounded (an over-long line is passed through in pieces).
  int64_t index = 0;
  std::string line;
  bool prev_blank = true;
  auto emit = [&](RawMessage&& m) {
    if (index == 0 && IsImapFolderRecord(m)) return;  // IMAP server bookkeeping, not a message
    m.index = index++;
    ++stats->messages;
    sink(std::move(m));
  };
  auto on_line = [&](std::string_view l, bool complete) {
    bool envelope = complete && ((IsFromLine(l) && (prev_blank || !b.active())) ||
                                 (!b.active() && l.size() > 5 && l.substr(0, 5) == "From " &&
                                  l[5] != ':'));
    if (envelope) {
      if (b.active()) emit(b.Finish());
      b.Start(index);
      prev_blank = false;
      return;
    }
    if (!b.active()) b.Start(index);
    b.Append(l);
    if (complete) {
      std::string_view content = l;
      while (!content.empty() && (content.back() == '\n' || content.back() == '\r'))
        content.remove_suffix(1);
      prev_blank = content.empty();
    }
  };
  bool first_chunk = true;
  while (n > 0) {
    std::string_view chunk(buf.data(), n);
    if (first_chunk) {
      chunk = SkipBom(chunk);
      first_chunk = false;
    }
    size_t pos = 0;
    while (pos < chunk.size()) {
      size_t nl = chunk.find('\n', pos);
      if (nl == std::string_view::npos) {
        line.append(chunk.substr(pos));
        if (line.size() > kReadChunk) {  // over-long line: pass it through
          on_line(line, false);
          line.clear();
        }
        break;
      }
      if (line.empty()) {
        on_line(chunk.substr(pos, nl + 1 - pos), true);
      } else {
        line.append(chunk.substr(pos, nl + 1 - pos));
        on_line(line, true);
        line.clear();
      }
      pos = nl + 1;
    }
    n = fread(buf.data(), 1, buf.size(), f);
  }
  if (ferror(f)) return Status::IoError(std::strerror(errno));
  if (!line.empty()) on_line(line, true);
  if (b.active()) emit(b.Finish());
  return Status::Ok();
}

Status ReadFile(const std::string& path, size_t max, bool sniff, const MessageSink& sink,
                SourceStats* stats) {
  std::unique_ptr<FILE, FileCloser> f(path == "-" ? stdin : fopen(path.c_str(), "rb"));
  if (!f) return Status::IoError(std::strerror(errno));
  if (sniff) {
    char head[kSniffBytes];
    size_t n = fread(head, 1, sizeof head, f.get());
    if (!LooksLikeMail(std::string_view(head, n))) {
      ++stats->skipped_files;
      return Status::Ok();
    }
    rewind(f.get());
  }
  ++stats->files;
  return ReadStream(f.get(), path, max, sink, stats);
}

}  // namespace

bool LooksLikeMbox(std::string_view head) {
  head = SkipBom(head);
  size_t eol = head.find('\n');
  return IsFromLine(head.substr(0, eol == std::string_view::npos ? head.size() : eol)) ||
         (head.substr(0, 5) == "From " && head.size() > 5 && head[5] != ':');
}

bool LooksLikeMail(std::string_view head) {
  head = SkipBom(head);
  while (!head.empty() && (head.front() == '\r' || head.front() == '\n')) head.remove_prefix(1);
  if (head.substr(0, 5) == "From ") return true;
  // A header field name: printable ASCII up to ':' on the first line.
  size_t i = 0;
  while (i < head.size() && i < 80) {
    unsigned char c = static_cast<unsigned char>(head[i]);
    if (c == ':') return i > 0;
    if (!isalnum(c) && c != '-' && c != '_' && c != '.') return false;
    ++i;
  }
  return false;
}

size_t ReadMessages(const std::vector<std::string>& paths, size_t max, const MessageSink& sink,
                    const ErrorSink& on_error, SourceStats* stats) {
  size_t errors = 0;
  auto fail = [&](const std::string& p, const Status& s) {
    ++errors;
    on_error(p, s);
  };
  for (const auto& path : paths) {
    std::error_code ec;
    if (path != "-" && fs::is_directory(path, ec)) {
      std::vector<std::string> files;
      auto it = fs::recursive_directory_iterator(
          path, fs::directory_options::skip_permission_denied, ec);
      if (ec) {
        fail(path, Status::IoError(ec.message()));
        continue;
      }
      for (auto end = fs::recursive_directory_iterator(); it != end; it.increment(ec)) {
        if (ec) {
          fail(it->path().string(), Status::IoError(ec.message()));
          ec.clear();
          continue;
        }
        const auto& p = it->path();
        std::string name = p.filename().string();
        if (it->is_directory(ec)) {
          // Maildir's tmp/ holds messages still being delivered; hidden folders are not mail.
          if (name == "tmp" || (!name.empty() && name[0] == '.')) it.disable_recursion_pending();
          continue;
        }
        if (!it->is_regular_file(ec) || name.empty() || name[0] == '.') continue;
        files.push_back(p.string());
        if (files.size() >= kMaxFilesPerWalk) break;
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        Status s = ReadFile(f, max, /*sniff=*/true, sink, stats);
        if (!s.ok()) fail(f, s);
      }
    } else {
      if (path != "-" && !fs::exists(path, ec)) {
        fail(path, Status::NotFound("no such file or directory"));
        continue;
      }
      Status s = ReadFile(path, max, /*sniff=*/false, sink, stats);
      if (!s.ok()) fail(path, s);
    }
  }
  return errors;
}

}  // namespace lapis::mail
