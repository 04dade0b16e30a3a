// Builds the web application into dist/: hashed bundles under dist/assets/ (served as immutable
// by `lapis serve`), and dist/index.html naming them. `node build.mjs [--dev]`.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');
const dev = process.argv.includes('--dev');

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets'), { recursive: true });

// The world map (Natural Earth 1:110m, npm world-atlas) is fetched by the pages that draw it.
const atlas = readFileSync(join(root, 'node_modules/world-atlas/countries-110m.json'));
const atlasName = `assets/countries-110m-${createHash('sha256').update(atlas).digest('hex').slice(0, 8)}.json`;
writeFileSync(join(dist, atlasName), atlas);

const result = await esbuild.build({
  entryPoints: { app: join(root, 'src/main.tsx') },
  bundle: true,
  splitting: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  outdir: dist,
  entryNames: 'assets/[name]-[hash]',
  chunkNames: 'assets/[name]-[hash]',
  assetNames: 'assets/[name]-[hash]',
  minify: !dev,
  sourcemap: dev ? 'inline' : false,
  metafile: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  define: { LAPIS_WORLD_ATLAS_URL: JSON.stringify('/' + atlasName) },
  legalComments: 'linked',
  logLevel: 'warning',
});

let js = '', css = '';
for (const [file, out] of Object.entries(result.metafile.outputs)) {
  if (out.entryPoint?.endsWith('src/main.tsx') && file.endsWith('.js')) {
    js = '/' + relative(dist, join(root, file));
    if (out.cssBundle) css = '/' + relative(dist, join(root, out.cssBundle));
  }
}
if (!js) throw new Error('no entry bundle');
const html = readFileSync(join(root, 'index.html'), 'utf8')
  .replace('%APP_JS%', js)
  .replace('%APP_CSS%', css ? `<link rel="stylesheet" href="${css}">` : '');
writeFileSync(join(dist, 'index.html'), html);
copyFileSync(join(root, 'favicon.svg'), join(dist, 'favicon.svg'));
const size = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`web: built ${Object.keys(result.metafile.outputs).length} files (${Math.round(size / 1024)} KiB) into ${relative(process.cwd(), dist) || '.'}`);
