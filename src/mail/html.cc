#include "mail/html.h"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "common/strings.h"

namespace lapis::mail {
namespace {

struct State {
  HtmlResult* r;
  htmlParserCtxtPtr ctxt = nullptr;
  int skip_depth = 0;      // inside <script>/<style>
  bool in_title = false;
  int anchor = -1;         // index into links of the open <a>, or -1
  bool stopped = false;
};

bool IsBlock(const char* n) {
  static const char* kBlocks[] = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
                                  "table", "ul", "ol", "blockquote", "hr", "td", "th", "center",
                                  "section", "article", "header", "footer", "pre", "form", "dd", "dt"};
  for (const char* b : kBlocks)
    if (strcmp(n, b) == 0) return true;
  return false;
}

const char* Attr(const xmlChar** attrs, const char* name) {
  if (!attrs) return nullptr;
  for (int i = 0; attrs[i]; i += 2)
    if (strcasecmp(reinterpret_cast<const char*>(attrs[i]), name) == 0)
      return attrs[i + 1] ? reinterpret_cast<const char*>(attrs[i + 1]) : "";
  return nullptr;
}

void AddLink(State* s, const char* tag, const char* href) {
  if (!href) return;
  std::string_view h = Trim(href);
  if (h.empty()) return;
  if (s->r->links.size() >= kMaxHtmlLinks) {
    s->r->hit_link_limit = true;
    return;
  }
  s->r->links.push_back({tag, SanitizeUtf8(h.substr(0, 4096)), ""});
}

void Stop(State* s) {
  if (!s->stopped) xmlStopParser(s->ctxt);
  s->stopped = true;
}

void OnStart(void* ctx, const xmlChar* name_x, const xmlChar** attrs) {
  auto* s = static_cast<State*>(ctx);
  if (s->stopped) return;
  HtmlResult* r = s->r;
  if (++r->tags > kMaxHtmlTags) {
    r->hit_tag_limit = true;
    Stop(s);
    return;
  }
  const char* name = reinterpret_cast<const char*>(name_x);
  if (strcmp(name, "script") == 0 || strcmp(name, "style") == 0) {
    if (name[1] == 'c') {
      r->has_script = true;
      AddLink(s, "script", Attr(attrs, "src"));
    }
    ++s->skip_depth;
    return;
  }
  if (strcmp(name, "title") == 0) s->in_title = true;
  if (IsBlock(name) && !r->text.empty() && r->text.back() != '\n') r->text.push_back('\n');
  if (const char* style = Attr(attrs, "style")) {
    std::string st = ToLower(style);
    st.erase(std::remove(st.begin(), st.end(), ' '), st.end());
    if (st.find("display:none") != std::string::npos ||
        st.find("visibility:hidden") != std::string::npos ||
        st.find("font-size:0") != std::string::npos)
      r->has_hidden_text = true;
  }
  if (strcmp(name, "a") == 0) {
    const char* href = Attr(attrs, "href");
    size_t before = r->links.size();
    AddLink(s, "a", href);
    s->anchor = r->links.size() > before ? static_cast<int>(before) : -1;
  } else if (strcmp(name, "area") == 0) {
    AddLink(s, "area", Attr(attrs, "href"));
  } else if (strcmp(name, "form") == 0) {
    r->has_form = true;
    AddLink(s, "form", Attr(attrs, "action"));
  } else if (strcmp(name, "input") == 0) {
    const char* type = Attr(attrs, "type");
    if (type && strcasecmp(type, "password") == 0) r->has_password_input = true;
  } else if (strcmp(name, "img") == 0) {
    AddLink(s, "img", Attr(attrs, "src"));
  } else if (strcmp(name, "iframe") == 0 || strcmp(name, "frame") == 0) {
    r->has_iframe = true;
    AddLink(s, "iframe", Attr(attrs, "src"));
  } else if (strcmp(name, "link") == 0) {
    AddLink(s, "link", Attr(attrs, "href"));
  } else if (strcmp(name, "meta") == 0) {
    const char* equiv = Attr(attrs, "http-equiv");
    const char* content = Attr(attrs, "content");
    if (equiv && content && strcasecmp(equiv, "refresh") == 0) {
      const char* u = strcasestr(content, "url=");
      if (u) AddLink(s, "meta-refresh", u + 4);
    }
  } else if (strcmp(name, "body") == 0 || strcmp(name, "table") == 0 || strcmp(name, "td") == 0) {
    AddLink(s, "background", Attr(attrs, "background"));
  }
}

void OnEnd(void* ctx, const xmlChar* name_x) {
  auto* s = static_cast<State*>(ctx);
  if (s->stopped) return;
  const char* name = reinterpret_cast<const char*>(name_x);
  if (strcmp(name, "script") == 0 || strcmp(name, "style") == 0) {
    if (s->skip_depth > 0) --s->skip_depth;
    return;
  }
  if (strcmp(name, "title") == 0) s->in_title = false;
  if (strcmp(name, "a") == 0 && s->anchor >= 0) {
    auto& l = s->r->links[s->anchor];
    l.text = CollapseWhitespace(l.text);
    s->anchor = -1;
  }
  if (IsBlock(name) && !s->r->text.empty() && s->r->text.back() != '\n') s->r->text.push_back('\n');
}

void OnText(void* ctx, const xmlChar* ch, int len) {
  auto* s = static_cast<State*>(ctx);
  if (s->stopped || s->skip_depth > 0 || len <= 0) return;
  std::string_view t(reinterpret_cast<const char*>(ch), static_cast<size_t>(len));
  HtmlResult* r = s->r;
  if (s->in_title) {
    if (r->title.size() < 1024) r->title.append(t.substr(0, 1024 - r->title.size()));
    return;
  }
  if (r->text.size() + t.size() > kMaxHtmlText) {
    r->hit_size_limit = true;
    Stop(s);
    return;
  }
  r->text.append(t);
  if (s->anchor >= 0) {
    auto& lt = r->links[s->anchor].text;
    if (lt.size() < kMaxLinkText) lt.append(t.substr(0, kMaxLinkText - lt.size()));
  }
}

void Silent(void*, const char*, ...) {}
void SilentStructured(void*, xmlErrorPtr) {}

}  // namespace

HtmlResult ParseHtml(std::string_view html) {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
  // libxml2 keeps its error handlers per thread; keep it from writing to stderr.
  xmlSetGenericErrorFunc(nullptr, Silent);
  xmlSetStructuredErrorFunc(nullptr, SilentStructured);
  HtmlResult r;
  if (html.size() > kMaxHtmlBytes) {
    html = html.substr(0, kMaxHtmlBytes);
    r.hit_size_limit = true;
  }
  // libxml2 reads nothing after a stray end tag at the very start ("</style><p>..." in fragments
  // cut out of a larger page); skip such tags.
  for (size_t skipped = 0; skipped < 64; ++skipped) {
    size_t i = 0;
    while (i < html.size() && isspace(static_cast<unsigned char>(html[i]))) ++i;
    if (html.compare(i, 2, "</") != 0) break;
    size_t gt = html.find('>', i);
    if (gt == std::string_view::npos) break;
    html.remove_prefix(gt + 1);
  }
  htmlSAXHandler sax;
  std::memset(&sax, 0, sizeof sax);
  sax.startElement = OnStart;
  sax.endElement = OnEnd;
  sax.characters = OnText;
  sax.cdataBlock = OnText;
  sax.warning = Silent;
  sax.error = Silent;
  State st{&r};
  htmlParserCtxtPtr ctxt =
      htmlCreatePushParserCtxt(&sax, &st, nullptr, 0, nullptr, XML_CHAR_ENCODING_UTF8);
  if (!ctxt) return r;
  st.ctxt = ctxt;
  htmlCtxtUseOptions(ctxt, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                               HTML_PARSE_NONET | HTML_PARSE_COMPACT |
                               HTML_PARSE_IGNORE_ENC);
  constexpr size_t kChunk = 64 * 1024;
  for (size_t off = 0; off < html.size() && !st.stopped; off += kChunk) {
    size_t n = std::min(kChunk, html.size() - off);
    htmlParseChunk(ctxt, html.data() + off, static_cast<int>(n), 0);
  }
  if (!st.stopped) htmlParseChunk(ctxt, nullptr, 0, 1);
  htmlFreeParserCtxt(ctxt);
  r.text = SanitizeUtf8(r.text);
  r.title = CollapseWhitespace(SanitizeUtf8(r.title));
  for (auto& l : r.links) l.text = CollapseWhitespace(SanitizeUtf8(l.text));
  return r;
}

}  // namespace lapis::mail
