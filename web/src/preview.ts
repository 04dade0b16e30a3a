// The safe preview of a message. The raw evidence is parsed in the browser (postal-mime), its HTML
// sanitised (DOMPurify) and rewritten so that nothing in it can load or lead anywhere, and the
// result is shown in an iframe that is sandboxed without allow-scripts (and without
// allow-same-origin, forms, popups or navigation of the page) and carries its own
// Content-Security-Policy that forbids every load except data: images and inline styles. Each
// layer alone stops scripts and remote loads; together they keep a hostile message inert.
import PostalMime from 'postal-mime';
import DOMPurify from 'dompurify';

// Parts larger than this are not rendered (the raw source view still shows them).
export const MAX_PREVIEW_HTML = 2 * 1024 * 1024;
export const MAX_INLINE_IMAGE = 1024 * 1024;

export const PREVIEW_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; form-action 'none'; base-uri 'none'";

export interface ParsedMessage {
  html: string | null;
  text: string | null;
  attachments: { filename: string | null; mimeType: string; size: number; contentId?: string }[];
  inlineImages: Map<string, string>;  // content id (without <>) -> data: URL
}

export interface SafeHtml {
  html: string;
  links: { href: string; text: string }[];
  blocked: number;  // remote resources removed (images, styles, frames...)
  removedElements: number;  // scripts, forms, frames, objects... taken out
}

const RASTER_IMAGE = /^image\/(png|jpe?g|gif|webp|bmp)$/i;

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export async function parseMessage(raw: ArrayBuffer): Promise<ParsedMessage> {
  const email = await PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer' });
  const inlineImages = new Map<string, string>();
  const attachments = email.attachments.map((a) => {
    const content = a.content as ArrayBuffer;
    const size = content.byteLength ?? 0;
    const cid = a.contentId?.replace(/^<|>$/g, '');
    // Inline images are part of the evidence: shown from the message itself, never fetched.
    if (cid && RASTER_IMAGE.test(a.mimeType) && size <= MAX_INLINE_IMAGE)
      inlineImages.set(cid, `data:${a.mimeType.toLowerCase()};base64,${toBase64(new Uint8Array(content))}`);
    return { filename: a.filename, mimeType: a.mimeType, size, contentId: cid };
  });
  return { html: email.html ?? null, text: email.text ?? null, attachments, inlineImages };
}

// Everything in CSS that can load something.
export function cleanCss(css: string): string {
  return css
    .replace(/@import[^;]*;?/gi, '')
    .replace(/url\s*\([^)]*\)/gi, 'none')
    .replace(/image-set\s*\(/gi, 'none(')
    .replace(/expression\s*\(/gi, 'none(')
    .replace(/-moz-binding|behavior\s*:/gi, 'x-blocked:');
}

const FORBID_TAGS = [
  'script', 'noscript', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'link', 'meta', 'base',
  'form', 'input', 'button', 'textarea', 'select', 'option', 'audio', 'video', 'source', 'track', 'picture',
  'portal', 'template', 'dialog',
];
const FORBID_ATTR = [
  'srcset', 'ping', 'background', 'poster', 'action', 'formaction', 'lowsrc', 'dynsrc', 'longdesc', 'usemap',
  'xlink:href', 'data', 'codebase', 'manifest', 'target', 'autofocus', 'cite', 'profile', 'archive', 'classid',
];

// The message's HTML as inert markup: no script, no element that loads or submits anything, no
// followable link (each link keeps its text and shows its target), inline images from the
// message itself only.
export function sanitizeHtml(html: string, inlineImages: Map<string, string>): SafeHtml {
  const links: SafeHtml['links'] = [];
  let blocked = 0;
  let removedElements = 0;
  const purify = DOMPurify();
  purify.addHook('uponSanitizeElement', (node, data) => {
    if (FORBID_TAGS.includes(data.tagName)) removedElements++;
    if (data.tagName === 'style' && node.textContent) {
      const clean = cleanCss(node.textContent);
      if (clean !== node.textContent) blocked++;
      node.textContent = clean;
    }
  });
  purify.addHook('afterSanitizeAttributes', (node) => {
    const el = node as Element;
    if (!el.getAttribute) return;
    const style = el.getAttribute('style');
    if (style) {
      const clean = cleanCss(style);
      if (clean !== style) blocked++;
      el.setAttribute('style', clean);
    }
    const src = el.getAttribute('src');
    if (src !== null) {
      const cid = src.toLowerCase().startsWith('cid:') ? src.slice(4).replace(/^<|>$/g, '') : null;
      const inline = cid ? inlineImages.get(cid) : undefined;
      if (inline) el.setAttribute('src', inline);
      else if (/^data:image\/(png|jpe?g|gif|webp|bmp);/i.test(src)) {
        // Kept: an image carried in the message.
      } else {
        el.removeAttribute('src');
        blocked++;
        el.setAttribute('data-blocked', src.slice(0, 300));
        el.setAttribute('alt', `[${el.getAttribute('alt') || 'image'}]`);
      }
    }
    if (el.hasAttribute('href')) {
      const href = el.getAttribute('href') ?? '';
      el.removeAttribute('href');
      if (el.tagName === 'A' || el.tagName === 'AREA') {
        const text = (el.textContent ?? '').trim();
        if (href && !href.startsWith('#')) {
          links.push({ href, text });
          el.setAttribute('title', href);
          el.setAttribute('class', `${el.getAttribute('class') ?? ''} lapis-link`.trim());
          el.setAttribute('data-href', href.slice(0, 2000));
        }
      }
    }
  });
  const clean = purify.sanitize(html.slice(0, MAX_PREVIEW_HTML), {
    USE_PROFILES: { html: true },
    FORBID_TAGS,
    FORBID_ATTR,
    ALLOW_DATA_ATTR: false,
    ADD_ATTR: [],
    FORCE_BODY: true,
    ALLOW_UNKNOWN_PROTOCOLS: false,
    RETURN_DOM: true,
  }) as HTMLElement;
  // Each link's target is shown after it, as text.
  for (const a of Array.from(clean.querySelectorAll('.lapis-link'))) {
    const href = a.getAttribute('data-href') ?? '';
    const text = (a.textContent ?? '').trim();
    if (href && text !== href) {
      const span = clean.ownerDocument.createElement('span');
      span.className = 'lapis-url';
      span.textContent = ` [${href.length > 120 ? href.slice(0, 117) + '…' : href}]`;
      a.after(span);
    }
  }
  return { html: clean.innerHTML, links, blocked, removedElements };
}

// The document given to the sandboxed frame.
export function previewDocument(body: string, lang: string): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${PREVIEW_CSP}">` +
    '<meta name="referrer" content="no-referrer">' +
    '<style>html{color-scheme:light}body{font-family:system-ui,sans-serif;margin:12px;color:#111;background:#fff;' +
    'overflow-wrap:anywhere}.lapis-link{color:#1a4fb0;text-decoration:underline dotted;cursor:default}' +
    '.lapis-url{color:#555;font-size:.85em}img[data-blocked]{display:inline-block;min-width:1em;min-height:1em;' +
    'outline:1px dashed #999}</style></head><body>' + body + '</body></html>';
}
