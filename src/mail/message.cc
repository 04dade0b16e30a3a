#include "mail/message.h"

#include <gmime/gmime.h>
#include <iconv.h>

#include <algorithm>
#include <initializer_list>
#include <mutex>
#include <map>
#include <string_view>
#include <utility>

#include "common/strings.h"

namespace lapis::mail {
namespace {

const char* CharsetAlias(const std::string& cs);

// GMime's warnings while a message is read. ParseMessage reads the message as one MIME entity
// (not a GMimeMessage, see there), so GMime gives some warnings that a message would not have and
// omits others that ParseMessage then checks for itself; they are held until the end and put in
// the order a message would have had them: those from reading the header block, the checks of the
// message's own headers, those of its Content-* fields, then the body's.
struct ParseContext {
  std::vector<Defect>* defects = nullptr;
  struct Held {
    int group;  // 0 header block read, 1 message header checks, 2 Content-* fields, 3 body
    gint64 offset;
    Defect defect;
  };
  std::vector<Held> held;
  gint64 top_headers_end = 0;   // where the top-level header block ends
  gint64 default_offset = -1;   // the offset of a warning GMime gives none for (the header checked)
  bool checking_headers = false;  // in CheckMessageHeaders
  bool direct = false;            // after FinishWarnings: straight to the defects
  int recorded = 0;               // warnings that went to the defects
};

bool IsOneOf(std::string_view name, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names)
    if (EqualsIgnoreCase(name, n)) return true;
  return false;
}

// Headers a message may hold once (RFC 5322 section 3.6): a repeat of one of them is a defect.
bool SingleInstanceHeader(std::string_view name) {
  return IsOneOf(name, {"bcc", "cc", "date", "from", "in-reply-to", "message-id", "references", "reply-to",
                        "sender", "subject", "to"});
}

// Headers GMime reads as address lists when it builds a message.
bool AddressHeader(std::string_view name) {
  return IsOneOf(name, {"sender", "from", "reply-to", "to", "cc", "bcc", "resent-sender", "resent-from",
                        "resent-reply-to", "resent-to", "resent-cc", "resent-bcc"});
}

constexpr int kMaxWarningsRecorded = 50;
constexpr size_t kMaxWarningsHeld = 10000;  // GMime's warnings held while a message is read

const char* WarningCode(GMimeParserWarning w) {
  switch (w) {
    case GMIME_WARN_DUPLICATED_HEADER: return "duplicated-header";
    case GMIME_WARN_DUPLICATED_PARAMETER: return "duplicated-parameter";
    case GMIME_WARN_UNENCODED_8BIT_HEADER: return "unencoded-8bit-header";
    case GMIME_WARN_INVALID_CONTENT_TYPE: return "invalid-content-type";
    case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE: return "invalid-rfc2047-header";
    case GMIME_WARN_MALFORMED_MULTIPART: return "malformed-multipart";
    case GMIME_WARN_TRUNCATED_MESSAGE: return "truncated-message";
    case GMIME_WARN_MALFORMED_MESSAGE: return "malformed-message";
    case GMIME_CRIT_INVALID_HEADER_NAME: return "invalid-header-name";
    case GMIME_CRIT_CONFLICTING_HEADER: return "conflicting-header";
    case GMIME_CRIT_CONFLICTING_PARAMETER: return "conflicting-parameter";
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: return "multipart-without-boundary";
    case GMIME_WARN_INVALID_PARAMETER: return "invalid-parameter";
    case GMIME_WARN_INVALID_ADDRESS_LIST: return "invalid-address-list";
    case GMIME_CRIT_NESTING_OVERFLOW: return "mime-nesting-too-deep";
    case GMIME_WARN_PART_WITHOUT_CONTENT: return "part-without-content";
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: return "part-without-headers-or-content";
  }
  return "parser-warning";
}

void OnWarning(gint64 offset, GMimeParserWarning code, const gchar* item, gpointer user) {
  auto* ctx = static_cast<ParseContext*>(user);
  if (ctx->direct ? ctx->recorded >= kMaxWarningsRecorded : ctx->held.size() >= kMaxWarningsHeld) return;
  if (offset < 0) offset = ctx->default_offset;
  const bool in_top = offset >= 0 && offset < ctx->top_headers_end;
  int group = 3;
  if (ctx->checking_headers) {
    group = 1;
  } else if (in_top && (code == GMIME_WARN_DUPLICATED_HEADER || code == GMIME_CRIT_CONFLICTING_HEADER)) {
    // GMime checks every header of an entity for repeats; at the top of a message a second
    // Received or X- field is normal, only a repeated Content-* or single-instance field (From,
    // Subject, ...) is a defect.
    if (item && StartsWithIgnoreCase(item, "content-")) group = 2;
    else if (item && SingleInstanceHeader(item)) group = 1;
    else return;
  } else if (in_top && (code == GMIME_WARN_UNENCODED_8BIT_HEADER || code == GMIME_CRIT_INVALID_HEADER_NAME)) {
    group = 0;
  }
  std::string detail = offset >= 0 ? "at byte " + std::to_string(offset) : "";
  if (item && *item) {
    std::string_view it(item);
    if (it.size() > 200) it = it.substr(0, 200);
    detail += (detail.empty() ? "" : ": ") + SanitizeUtf8(it);
  }
  if (ctx->direct) {
    ++ctx->recorded;
    ctx->defects->push_back({WarningCode(code), std::move(detail)});
  } else {
    ctx->held.push_back({group, offset, {WarningCode(code), std::move(detail)}});
  }
}

// Moves the held warnings to the defects, in order (see ParseContext), the first
// kMaxWarningsRecorded of them.
void FinishWarnings(ParseContext* ctx) {
  // The checks of a message's own headers run header by header.
  auto& h = ctx->held;
  std::stable_sort(h.begin(), h.end(), [](const ParseContext::Held& a, const ParseContext::Held& b) {
    if (a.group != b.group) return a.group < b.group;
    return a.group == 1 && a.offset < b.offset;
  });
  for (size_t i = 0; i < h.size() && ctx->recorded < kMaxWarningsRecorded; ++i, ++ctx->recorded)
    ctx->defects->push_back(std::move(h[i].defect));
  h.clear();
  ctx->direct = true;
}

GMimeParserOptions* NewOptions(const char* fallback, ParseContext* ctx) {
  GMimeParserOptions* o = g_mime_parser_options_new();
  g_mime_parser_options_set_rfc2047_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_address_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_parameter_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_allow_addresses_without_domain(o, TRUE);
  const char* charsets[4] = {"utf-8", nullptr, nullptr, nullptr};
  int n = 1;
  if (fallback) {
    const char* alias = CharsetAlias(ToLower(fallback));
    if (alias) fallback = alias;
  }
  if (fallback && *fallback && g_ascii_strcasecmp(fallback, "utf-8") != 0 &&
      g_ascii_strcasecmp(fallback, "us-ascii") != 0)
    charsets[n++] = fallback;
  charsets[n++] = "windows-1252";
  g_mime_parser_options_set_fallback_charsets(o, charsets);
  if (ctx) g_mime_parser_options_set_warning_callback(o, OnWarning, ctx);
  return o;
}

// Charset labels seen in spam that iconv does not know, and labels whose superset decodes more
// real mail correctly (as browsers do).
const char* CharsetAlias(const std::string& cs) {
  static const std::pair<const char*, const char*> kAliases[] = {
      {"chinesebig5", "big5"},   {"big5-hkscs", "big5-hkscs"}, {"x-sjis", "shift_jis"},
      {"gb2312", "gb18030"},     {"gbk", "gb18030"},           {"x-gbk", "gb18030"},
      {"iso-8859-1", "windows-1252"}, {"ks_c_5601-1987", "cp949"},
      {"euc-kr", "cp949"},       {"x-euc-tw", "euc-tw"},        {"unicode-1-1-utf-7", "utf-7"},
  };
  for (const auto& [from, to] : kAliases)
    if (cs == from) return to;
  return nullptr;
}

std::string Unfold(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\r' || c == '\n') continue;
    out.push_back(c);
  }
  return std::string(Trim(out));
}

std::string TakeString(char* s) {
  if (!s) return "";
  std::string out(s);
  g_free(s);
  return out;
}

std::string StreamBytes(GMimeStream* mem) {
  GByteArray* ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
  if (!ba || !ba->data) return "";
  return std::string(reinterpret_cast<const char*>(ba->data), ba->len);
}

// Decoded (transfer-encoding removed) bytes of a leaf part.
std::string DecodedContent(GMimePart* part) {
  GMimeDataWrapper* dw = g_mime_part_get_content(part);
  if (!dw) return "";
  GMimeStream* out = g_mime_stream_mem_new();
  g_mime_data_wrapper_write_to_stream(dw, out);
  std::string bytes = StreamBytes(out);
  g_object_unref(out);
  return bytes;
}

// glibc loads a converter's module (CP1252.so, KOI8-R.so, ...) when a descriptor for it is opened
// and unloads it soon after the last one closes, so every text in a legacy charset, and every
// encoded header word GMime decodes, paid for mapping the module again. One descriptor per charset
// met is kept open for the life of the process, which keeps its module loaded; the number kept is
// bounded, since charset names come from the mail.
constexpr size_t kMaxPinnedCharsets = 64;

void PinConverter(const char* iconv_name) {
  static std::mutex mu;
  // Never closed, nor destroyed at exit: kept reachable, so no leak checker calls them lost.
  static auto* pinned = new std::map<std::string, iconv_t, std::less<>>();
  std::lock_guard<std::mutex> l(mu);
  if (pinned->size() >= kMaxPinnedCharsets || pinned->count(std::string_view(iconv_name))) return;
  iconv_t cd = iconv_open("UTF-8", iconv_name);
  if (cd != (iconv_t)-1) pinned->emplace(iconv_name, cd);
}

std::string ToUtf8(GMimeParserOptions* opts, const std::string& bytes, const std::string& declared) {
  const char* alias = CharsetAlias(declared);
  std::string charset = alias ? alias : declared;
  if (!charset.empty() && g_ascii_strcasecmp(charset.c_str(), "utf-8") != 0 &&
      g_ascii_strcasecmp(charset.c_str(), "us-ascii") != 0) {
    const char* name = g_mime_charset_iconv_name(charset.c_str());
    iconv_t cd = g_mime_iconv_open("UTF-8", name);
    if (cd != (iconv_t)-1) {
      PinConverter(name);
      // GMime's iconv helper skips invalid sequences instead of failing the whole text.
      char* converted = g_mime_iconv_strndup(cd, bytes.data(), bytes.size());
      g_mime_iconv_close(cd);
      if (converted) return SanitizeUtf8(TakeString(converted));
    }
  }
  if (IsValidUtf8(bytes)) return bytes;
  char* decoded = g_mime_utils_decode_8bit(opts, bytes.data(), bytes.size());
  return SanitizeUtf8(TakeString(decoded));
}

std::string LowerMimeType(GMimeObject* obj) {
  GMimeContentType* ct = g_mime_object_get_content_type(obj);
  if (!ct) return "text/plain";
  return ToLower(TakeString(g_mime_content_type_get_mime_type(ct)));
}

struct Walker {
  Message* msg;
  GMimeParserOptions* opts;
  bool parts_limit_hit = false;
  bool depth_limit_hit = false;

  void Walk(GMimeObject* root) {
    struct Item {
      GMimeObject* obj;
      int depth;
    };
    std::vector<Item> stack{{root, 0}};
    while (!stack.empty()) {
      Item it = stack.back();
      stack.pop_back();
      if (it.depth > kMaxMimeDepth) {
        if (!depth_limit_hit)
          msg->defects.push_back({"mime-nesting-too-deep",
                                  "parts below depth " + std::to_string(kMaxMimeDepth) + " skipped"});
        depth_limit_hit = true;
        continue;
      }
      if (GMIME_IS_MULTIPART(it.obj)) {
        GMimeMultipart* mp = GMIME_MULTIPART(it.obj);
        int n = g_mime_multipart_get_count(mp);
        for (int i = n - 1; i >= 0; --i)
          stack.push_back({g_mime_multipart_get_part(mp, i), it.depth + 1});
      } else if (GMIME_IS_MESSAGE_PART(it.obj)) {
        GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(it.obj));
        if (!inner) continue;
        if (msg->embedded.size() < kMaxEmbeddedMessages) {
          msg->embedded.push_back(TakeString(g_mime_object_to_string(GMIME_OBJECT(inner), nullptr)));
        }
        GMimeObject* body = g_mime_message_get_mime_part(inner);
        if (body) stack.push_back({body, it.depth + 1});
      } else if (GMIME_IS_PART(it.obj)) {
        AddLeaf(GMIME_PART(it.obj), it.depth);
      }
    }
  }

  void AddLeaf(GMimePart* gp, int depth) {
    if (msg->parts.size() >= kMaxParts) {
      if (!parts_limit_hit)
        msg->defects.push_back({"too-many-parts", "parts beyond " + std::to_string(kMaxParts) + " skipped"});
      parts_limit_hit = true;
      return;
    }
    GMimeObject* obj = GMIME_OBJECT(gp);
    Part p;
    p.depth = depth;
    p.content_type = LowerMimeType(obj);
    const char* cs = g_mime_object_get_content_type_parameter(obj, "charset");
    if (cs) p.charset = ToLower(cs);
    const char* fn = g_mime_part_get_filename(gp);
    if (fn) p.filename = SanitizeUtf8(fn);
    const char* cid = g_mime_part_get_content_id(gp);
    if (cid) p.content_id = SanitizeUtf8(cid);
    GMimeContentDisposition* disp = g_mime_object_get_content_disposition(obj);
    bool disp_attachment = disp && g_mime_content_disposition_is_attachment(disp);
    bool is_text = p.content_type == "text/plain" || p.content_type == "text/html";
    p.attachment = disp_attachment || (!is_text && !p.filename.empty());
    if (is_text && !p.filename.empty() && disp_attachment) p.attachment = true;
    p.inline_text = is_text && !p.attachment;
    std::string bytes = DecodedContent(gp);
    p.size = bytes.size();
    if (p.content_type == "text/rfc822-headers" || p.content_type == "text/rfc822-header") {
      msg->embedded_headers_only.push_back(bytes);
    }
    if (p.content_type.rfind("text/", 0) == 0 || p.content_type.rfind("message/", 0) == 0) {
      if (bytes.size() > kMaxTextPerPart) {
        bytes.resize(kMaxTextPerPart);
        msg->defects.push_back({"text-part-truncated", "decoded text cut at " +
                                                           std::to_string(kMaxTextPerPart) + " bytes"});
      }
      p.text = ToUtf8(opts, bytes, p.charset);
      if (p.attachment) p.data = std::move(bytes);
    } else {
      p.data = std::move(bytes);
    }
    msg->parts.push_back(std::move(p));
  }
};

std::string FirstBodyCharset(std::string_view raw) {
  // Cheap scan for the first charset= parameter, used to decode raw 8-bit headers.
  size_t pos = FindIgnoreCase(raw.substr(0, std::min<size_t>(raw.size(), 256 * 1024)), "charset=");
  if (pos == std::string_view::npos) return "";
  pos += 8;
  if (pos < raw.size() && (raw[pos] == '"' || raw[pos] == '\'')) ++pos;
  size_t end = pos;
  while (end < raw.size() && end - pos < 40 &&
         (isalnum(static_cast<unsigned char>(raw[end])) || raw[end] == '-' || raw[end] == '_' ||
          raw[end] == ':' || raw[end] == '.'))
    ++end;
  return ToLower(raw.substr(pos, end - pos));
}

// GMime drops the text after a base64 encoded-word that ends in '=' padding when another
// encoded-word in the same charset follows. Adjacent B-encoded words of one charset are merged
// into one (decoded bytes concatenated and re-encoded), which RFC 2047 allows and which also
// keeps multi-byte characters split across words intact.
std::string MergeEncodedWords(std::string_view v) {
  struct Word {
    size_t begin, end;
    std::string charset;
    char enc;
    std::string_view text;
  };
  auto parse_at = [&](size_t i, Word* w) {
    if (v.compare(i, 2, "=?") != 0) return false;
    size_t q1 = v.find('?', i + 2);
    if (q1 == std::string_view::npos || q1 + 2 >= v.size() || v[q1 + 2] != '?') return false;
    char enc = static_cast<char>(toupper(static_cast<unsigned char>(v[q1 + 1])));
    size_t end = v.find("?=", q1 + 3);
    if (end == std::string_view::npos || end - i > 1000) return false;
    w->begin = i;
    w->end = end + 2;
    w->charset = ToLower(v.substr(i + 2, q1 - i - 2));
    w->enc = enc;
    w->text = v.substr(q1 + 3, end - q1 - 3);
    return w->text.find_first_of(" \t") == std::string_view::npos;
  };
  if (v.find("=?") == std::string_view::npos) return std::string(v);
  std::string out;
  size_t i = 0;
  while (i < v.size()) {
    Word first;
    if (!parse_at(i, &first) || first.enc != 'B') {
      out.push_back(v[i++]);
      continue;
    }
    std::string bytes;
    auto add = [&](const Word& w) {
      gsize n = 0;
      std::string t(w.text);
      guchar* d = g_base64_decode(t.c_str(), &n);
      if (d) bytes.append(reinterpret_cast<char*>(d), n);
      g_free(d);
    };
    add(first);
    size_t end = first.end;
    int merged = 1;
    while (true) {
      size_t j = end;
      while (j < v.size() && (v[j] == ' ' || v[j] == '\t')) ++j;
      Word next;
      if (j == end || !parse_at(j, &next) || next.enc != 'B' || next.charset != first.charset) break;
      add(next);
      end = next.end;
      ++merged;
    }
    if (merged == 1) {
      out.append(v.substr(first.begin, first.end - first.begin));
    } else {
      char* b64 = g_base64_encode(reinterpret_cast<const guchar*>(bytes.data()), bytes.size());
      out += "=?" + first.charset + "?B?" + (b64 ? b64 : "") + "?=";
      g_free(b64);
    }
    i = end;
  }
  return out;
}

}  // namespace

void InitGMime() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_mime_init();
    // The charsets GMime falls back to for undeclared 8-bit text (see ParserOptions).
    PinConverter(g_mime_charset_iconv_name("windows-1252"));
    PinConverter(g_mime_charset_iconv_name("iso-8859-1"));
  });
}

const Header* Message::Find(std::string_view name) const {
  for (const auto& h : headers)
    if (EqualsIgnoreCase(h.name, name)) return &h;
  return nullptr;
}

std::vector<const Header*> Message::FindAll(std::string_view name) const {
  std::vector<const Header*> out;
  for (const auto& h : headers)
    if (EqualsIgnoreCase(h.name, name)) out.push_back(&h);
  return out;
}

namespace {

// The checks GMime makes of a message's own headers when it builds a GMimeMessage, which
// ParseMessage does not: each address list (From, To, Cc, ... as GMime reads them) and the
// encoded words of the subject, with what they find reported as defects at the header's offset.
void CheckMessageHeaders(GMimeHeaderList* hl, int n, GMimeParserOptions* opts, ParseContext* ctx) {
  for (int i = 0; i < n; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(hl, i);
    const char* name = g_mime_header_get_name(h);
    const char* value = g_mime_header_get_raw_value(h);
    if (!name || !value) continue;
    const bool address = AddressHeader(name);
    const bool subject = EqualsIgnoreCase(name, "subject");
    if (!address && !subject) continue;
    ctx->default_offset = g_mime_header_get_offset(h);
    ctx->checking_headers = true;
    if (address) {
      InternetAddressList* list = internet_address_list_parse(opts, value);
      if (list) g_object_unref(list);
    } else {
      g_free(g_mime_utils_header_decode_text(opts, value));
    }
  }
  ctx->default_offset = -1;
  ctx->checking_headers = false;
}

// Offset of the blank line that ends the top-level header block (the size when there is none).
size_t TopHeadersEnd(std::string_view raw) {
  for (size_t i = raw.find('\n'); i != std::string_view::npos; i = raw.find('\n', i + 1)) {
    size_t j = i + 1;
    if (j < raw.size() && raw[j] == '\r') ++j;
    if (j >= raw.size() || raw[j] == '\n') return i;
  }
  return raw.size();
}

}  // namespace

Message ParseMessage(std::string_view raw) {
  InitGMime();
  Message msg;
  if (raw.size() >= 3 && raw.substr(0, 3) == "\xEF\xBB\xBF") {
    raw.remove_prefix(3);
    msg.defects.push_back({"byte-order-mark", "UTF-8 byte-order mark before the first header skipped"});
  }
  // Old Mac files end lines with a bare CR, which no MIME parser reads as a line break.
  std::string converted;
  std::string_view head = raw.substr(0, std::min<size_t>(raw.size(), 64 * 1024));
  if (head.find('\r') != std::string_view::npos && head.find('\n') == std::string_view::npos) {
    converted.assign(raw);
    std::replace(converted.begin(), converted.end(), '\r', '\n');
    raw = converted;
    msg.defects.push_back({"bare-cr-line-endings", "lines end with CR alone; read as line breaks"});
  }
  ParseContext ctx;
  ctx.defects = &msg.defects;
  ctx.top_headers_end = static_cast<gint64>(TopHeadersEnd(raw));
  std::string fallback = FirstBodyCharset(raw);
  GMimeParserOptions* opts = NewOptions(fallback.c_str(), &ctx);
  GMimeStream* stream =
      g_mime_stream_mem_new_with_buffer(raw.data(), raw.size());
  // An mbox separator line before the headers ("From sender date", or ">From ..." escaped) is not
  // a header: skipped, as GMime skips it when it reads a message. Offsets stay those of `raw`.
  if (raw.substr(0, 5) == "From " || raw.substr(0, 6) == ">From ") {
    size_t nl = raw.find('\n');
    g_mime_stream_seek(stream, static_cast<gint64>(nl == std::string_view::npos ? raw.size() : nl + 1),
                       GMIME_STREAM_SEEK_SET);
  }
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
  // Read as one MIME entity rather than a GMimeMessage, which would also parse every address
  // header and decode the subject and date as it is built (most of GMime's time on spam), work
  // done here from the raw values instead. The entity holds every header, in order.
  GMimeObject* m = g_mime_parser_construct_part(parser, opts);
  GMimeHeaderList* hl = m ? g_mime_object_get_header_list(m) : nullptr;
  if (hl) CheckMessageHeaders(hl, g_mime_header_list_get_count(hl), opts, &ctx);
  FinishWarnings(&ctx);
  if (!m) {
    msg.defects.push_back({"unparseable-message", "no message header block found"});
  } else {
    // The message's own fields: its Content-* fields describe the body (the top-level entity),
    // not the message, and are read from there.
    const int all = g_mime_header_list_get_count(hl);
    std::vector<GMimeHeader*> own;
    own.reserve(all);
    for (int i = 0; i < all; ++i) {
      GMimeHeader* h = g_mime_header_list_get_header_at(hl, i);
      const char* name = g_mime_header_get_name(h);
      if (!name || g_ascii_strncasecmp(name, "Content-", 8) != 0) own.push_back(h);
    }
    if (own.size() > kMaxHeaders) {
      msg.defects.push_back({"too-many-headers", std::to_string(own.size()) + " header fields; first " +
                                                     std::to_string(kMaxHeaders) + " kept"});
      own.resize(kMaxHeaders);
    }
    msg.headers.reserve(own.size());
    for (GMimeHeader* h : own) {
      const char* name = g_mime_header_get_name(h);
      const char* value = g_mime_header_get_raw_value(h);
      std::string_view v = value ? std::string_view(value) : std::string_view();
      if (v.size() > kMaxHeaderLength) {
        msg.defects.push_back({"header-too-long", std::string(name ? name : "") + " cut at " +
                                                      std::to_string(kMaxHeaderLength) + " bytes"});
        v = v.substr(0, kMaxHeaderLength);
      }
      msg.headers.push_back({name ? SanitizeUtf8(name) : "", Unfold(v)});
    }
    GMimeObject* body = m;
    if (body) {
      msg.top_content_type = LowerMimeType(body);
      if (GMIME_IS_MULTIPART(body)) {
        const char* rt = g_mime_object_get_content_type_parameter(body, "report-type");
        if (rt) msg.report_type = ToLower(rt);
      }
      Walker w{&msg, opts};
      w.Walk(body);
    }
    g_object_unref(m);
  }
  g_object_unref(parser);
  g_object_unref(stream);
  g_mime_parser_options_free(opts);
  return msg;
}

std::string DecodeHeaderText(std::string_view raw, std::string_view fallback_charset) {
  InitGMime();
  std::string fb(fallback_charset);
  GMimeParserOptions* opts = NewOptions(fb.c_str(), nullptr);
  std::string in = MergeEncodedWords(Unfold(raw));
  std::string out = TakeString(g_mime_utils_header_decode_text(opts, in.c_str()));
  g_mime_parser_options_free(opts);
  return CollapseWhitespace(SanitizeUtf8(out));
}

std::vector<Mailbox> ParseAddressList(std::string_view raw, std::string_view fallback_charset) {
  InitGMime();
  std::vector<Mailbox> out;
  std::string fb(fallback_charset);
  GMimeParserOptions* opts = NewOptions(fb.c_str(), nullptr);
  std::string in = MergeEncodedWords(Unfold(raw));
  InternetAddressList* list = internet_address_list_parse(opts, in.c_str());
  if (list) {
    std::vector<InternetAddressList*> stack{list};
    while (!stack.empty() && out.size() < 1000) {
      InternetAddressList* l = stack.back();
      stack.pop_back();
      int n = internet_address_list_length(l);
      for (int i = 0; i < n; ++i) {
        InternetAddress* a = internet_address_list_get_address(l, i);
        if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
          Mailbox mb;
          const char* name = internet_address_get_name(a);
          if (name) mb.name = CollapseWhitespace(SanitizeUtf8(name));
          const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
          if (addr) mb.address = SanitizeUtf8(addr);
          out.push_back(std::move(mb));
        } else if (INTERNET_ADDRESS_IS_GROUP(a)) {
          stack.push_back(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)));
        }
      }
    }
    g_object_unref(list);
  }
  g_mime_parser_options_free(opts);
  return out;
}

namespace {

bool IsMonthName(std::string_view t) {
  static const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                  "jul", "aug", "sep", "oct", "nov", "dec"};
  if (t.size() < 3) return false;
  for (const char* m : kMonths)
    if (EqualsIgnoreCase(t.substr(0, 3), m)) return true;
  return false;
}

bool AllDigits(std::string_view t) {
  if (t.empty()) return false;
  for (char c : t)
    if (c < '0' || c > '9') return false;
  return true;
}

// Repairs the deviations real mail carries that GMime's date parser misreads: obsolete years
// ("102", "0102": RFC 5322 section 4.3 adds 1900), a zone offset without its sign ("0530"), and
// 12-hour times with AM/PM. Returns the repaired text and sets *note when something changed.
std::string RepairDate(std::string_view in, std::string* note) {
  std::vector<std::string> tok;
  std::string cur;
  for (char c : in) {
    if (c == ' ' || c == '\t') {
      if (!cur.empty()) tok.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) tok.push_back(std::move(cur));
  int time_at = -1;
  bool year_before_time = false;  // asctime puts the year after the time: "Sat Sep 21 08:18:08 2002"
  for (size_t i = 0; i < tok.size(); ++i) {
    std::string& t = tok[i];
    if (time_at < 0 && t.find(':') != std::string::npos && isdigit(static_cast<unsigned char>(t[0]))) {
      time_at = static_cast<int>(i);
      continue;
    }
    if (i > 0 && IsMonthName(tok[i - 1]) && AllDigits(t) &&
        (t.size() == 3 || (t.size() == 4 && t[0] == '0'))) {
      t = std::to_string(1900 + std::stoi(t));
      *note = "obsolete year read as " + t + " (RFC 5322 section 4.3)";
    }
    if (time_at < 0 && AllDigits(t) && t.size() == 4) year_before_time = true;
  }
  if (time_at >= 0 && static_cast<size_t>(time_at + 1) < tok.size()) {
    std::string& next = tok[time_at + 1];
    std::string& time = tok[time_at];
    if (EqualsIgnoreCase(next, "PM") || EqualsIgnoreCase(next, "AM")) {
      int hour = std::atoi(time.c_str());
      bool pm = EqualsIgnoreCase(next, "PM");
      if (hour >= 1 && hour <= 12) {
        hour = (hour % 12) + (pm ? 12 : 0);
        size_t colon = time.find(':');
        time = (hour < 10 ? "0" : "") + std::to_string(hour) + time.substr(colon);
        *note = "12-hour time converted";
      }
      next.clear();
    } else if (AllDigits(next) && next.size() == 4 && year_before_time &&
               std::stoi(next) / 100 <= 14 && std::stoi(next) % 100 < 60) {
      next = "+" + next;
      *note = "zone offset without sign read as +" + next.substr(1);
    } else if (AllDigits(next) && year_before_time) {
      *note = "zone \"" + next + "\" not understood; time read as UTC (RFC 5322 section 4.3)";
      next.clear();
    }
  }
  std::string out;
  for (const auto& t : tok) {
    if (t.empty()) continue;
    if (!out.empty()) out.push_back(' ');
    out += t;
  }
  return out;
}

}  // namespace

std::optional<int64_t> ParseDate(std::string_view raw) { return ParseDate(raw, nullptr); }

std::optional<int64_t> ParseDate(std::string_view raw, std::string* repaired) {
  InitGMime();
  std::string note;
  std::string in = RepairDate(Unfold(raw), &note);
  if (repaired) *repaired = note;
  if (in.empty()) return std::nullopt;
  GDateTime* dt = g_mime_utils_header_decode_date(in.c_str());
  if (!dt) return std::nullopt;
  int64_t t = g_date_time_to_unix(dt);
  g_date_time_unref(dt);
  return t;
}

}  // namespace lapis::mail
