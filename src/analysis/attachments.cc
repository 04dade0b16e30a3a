#include "analysis/attachments.h"

#include <archive.h>
#include <archive_entry.h>
#include <magic.h>

#include <cstring>

#include "common/sha256.h"
#include "common/strings.h"

namespace lapis::analysis {
namespace {

const char* const kExecutable[] = {"exe", "scr", "com", "pif", "bat", "cmd", "vbs", "vbe", "js",
                                   "jse", "wsf", "wsh", "hta", "msi", "ps1", "jar", "lnk", "cpl",
                                   "reg", "dll", "msc", "application", "gadget", "vb", "sct",
                                   "appx", "msix", "iso", "img", "vhd", "vhdx", "one", "xll"};
const char* const kScript[] = {"vbs", "vbe", "js", "jse", "wsf", "wsh", "hta", "ps1", "bat", "cmd",
                               "sct", "vb"};
const char* const kDiskImage[] = {"iso", "img", "vhd", "vhdx"};
const char* const kMacroExt[] = {"docm", "xlsm", "pptm", "dotm", "xltm", "xlam", "ppsm", "potm"};
const char* const kDocExt[] = {"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "rtf",
                               "jpg", "jpeg", "png", "gif", "zip", "rar", "htm", "html", "csv"};

template <size_t N>
bool In(std::string_view s, const char* const (&list)[N]) {
  for (const char* e : list)
    if (s == e) return true;
  return false;
}

class Magic {
 public:
  Magic() : m_(magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR)) {
    if (m_ && magic_load(m_, nullptr) != 0) {
      magic_close(m_);
      m_ = nullptr;
    }
  }
  ~Magic() {
    if (m_) magic_close(m_);
  }
  std::string Detect(std::string_view data) {
    if (!m_ || data.empty()) return data.empty() ? "application/x-empty" : "";
    const char* r = magic_buffer(m_, data.data(), std::min(data.size(), kMagicBytes));
    return r ? r : "";
  }

 private:
  magic_t m_;
};

bool ContainsBytes(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

bool OleHasMacros(std::string_view data) {
  static const char kVba[] = "_\0V\0B\0A\0_\0P\0R\0O\0J\0E\0C\0T\0";
  static const char kMacros[] = "M\0a\0c\0r\0o\0s\0";
  return ContainsBytes(data, std::string_view(kVba, sizeof kVba - 1)) ||
         ContainsBytes(data, std::string_view(kMacros, sizeof kMacros - 1));
}

struct ArchiveListing {
  bool opened = false;
  bool encrypted = false;
  std::vector<std::string> entries;
  bool truncated = false;
};

ArchiveListing ListArchive(std::string_view data) {
  ArchiveListing out;
  struct archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_zip(a);
  archive_read_support_format_rar(a);
  archive_read_support_format_rar5(a);
  archive_read_support_format_7zip(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_cab(a);
  archive_read_support_format_iso9660(a);
  if (archive_read_open_memory(a, data.data(), data.size()) == ARCHIVE_OK) {
    out.opened = true;
    struct archive_entry* e;
    while (true) {
      int rc = archive_read_next_header(a, &e);
      if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) break;
      if (out.entries.size() >= kMaxArchiveEntries) {
        out.truncated = true;
        break;
      }
      const char* name = archive_entry_pathname_utf8(e);
      if (!name) name = archive_entry_pathname(e);
      out.entries.push_back(SanitizeUtf8(name ? name : ""));
      if (archive_entry_is_encrypted(e)) out.encrypted = true;
      archive_read_data_skip(a);
    }
  }
  archive_read_free(a);
  return out;
}

bool IsArchiveType(std::string_view t) {
  return t == "application/zip" || t == "application/x-rar" || t == "application/vnd.rar" ||
         t == "application/x-7z-compressed" || t == "application/x-tar" ||
         t == "application/gzip" || t == "application/x-gzip" ||
         t == "application/vnd.ms-cab-compressed" || t == "application/x-iso9660-image" ||
         t == "application/x-bzip2" || t == "application/x-xz";
}

bool IsExecutableType(std::string_view t) {
  return t == "application/x-dosexec" || t == "application/x-executable" ||
         t == "application/x-sharedlib" || t == "application/x-mach-binary" ||
         t == "application/x-pie-executable" || t == "application/vnd.microsoft.portable-executable" ||
         t == "application/x-ms-shortcut" || t == "application/x-msi";
}

void AddFlag(AttachmentIndicator* a, const char* f) {
  for (const auto& x : a->flags)
    if (x == f) return;
  a->flags.push_back(f);
}

}  // namespace

std::string Extension(std::string_view filename) {
  filename = Trim(filename);
  size_t dot = filename.rfind('.');
  if (dot == std::string_view::npos || dot + 1 >= filename.size()) return "";
  std::string ext = ToLower(Trim(filename.substr(dot + 1)));
  if (ext.size() > 12) return "";
  return ext;
}

bool IsExecutableExtension(std::string_view ext) { return In(ext, kExecutable); }

AttachmentIndicator InspectAttachment(const mail::Part& part) {
  static thread_local Magic magic;
  AttachmentIndicator a;
  a.filename = part.filename;
  a.declared_type = part.content_type;
  const std::string& data = part.data.empty() ? part.text : part.data;
  a.size = data.size();
  a.sha256 = Sha256Hex(data);
  a.detected_type = magic.Detect(data);
  std::string ext = Extension(part.filename);
  if (IsExecutableType(a.detected_type) || In(ext, kExecutable)) AddFlag(&a, "executable");
  if (In(ext, kScript)) AddFlag(&a, "script");
  if (In(ext, kDiskImage) || a.detected_type == "application/x-iso9660-image")
    AddFlag(&a, "disk-image");
  if (ext == "lnk" || a.detected_type == "application/x-ms-shortcut") AddFlag(&a, "shortcut");
  if (ext == "htm" || ext == "html" || ext == "shtml" || ext == "xhtml") AddFlag(&a, "html-attachment");
  // Double extension: "invoice.pdf.exe", "scan.doc   .js".
  {
    std::string_view fn = Trim(part.filename);
    size_t last = fn.rfind('.');
    if (last != std::string_view::npos && last > 0) {
      std::string inner = Extension(fn.substr(0, last));
      if (!inner.empty() && In(inner, kDocExt) && In(ext, kExecutable)) AddFlag(&a, "double-extension");
    }
  }
  bool ole = a.detected_type == "application/x-ole-storage" || a.detected_type == "application/msword" ||
             a.detected_type == "application/vnd.ms-excel" ||
             a.detected_type == "application/vnd.ms-powerpoint" ||
             a.detected_type == "application/CDFV2" || a.detected_type == "application/x-ole";
  if (ole && OleHasMacros(data)) AddFlag(&a, "macro");
  if (In(ext, kMacroExt)) AddFlag(&a, "macro");
  bool zipish = IsArchiveType(a.detected_type) ||
                a.detected_type.find("openxmlformats") != std::string::npos ||
                a.detected_type == "application/java-archive";
  if (zipish && data.size() <= 64u * 1024 * 1024) {
    ArchiveListing l = ListArchive(data);
    if (l.encrypted) AddFlag(&a, "encrypted-archive");
    for (const auto& e : l.entries) {
      std::string eext = Extension(e);
      if (IsExecutableExtension(eext) && IsArchiveType(a.detected_type))
        AddFlag(&a, "archive-with-executable");
      if (e.find("vbaProject.bin") != std::string::npos) AddFlag(&a, "macro");
    }
    if (IsArchiveType(a.detected_type)) {
      for (size_t i = 0; i < l.entries.size() && i < 50; ++i) a.archive_entries.push_back(l.entries[i]);
    }
  }
  // Declared type that hides what the bytes are (a PDF that is really a PE file).
  if (IsExecutableType(a.detected_type) && !IsExecutableType(a.declared_type) &&
      a.declared_type != "application/octet-stream")
    AddFlag(&a, "type-mismatch");
  return a;
}

}  // namespace lapis::analysis
