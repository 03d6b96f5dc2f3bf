// Transfer sizes (gzip level 9 and brotli quality 11, as a CDN serves static files) of what a
// page downloads before a "connect" button works: our widget's loader (then, apart, the glue and
// wasm it fetches on intent or idle), and the npm entry files (with their own relative imports)
// of the alternatives' loaders.
//
//   node weight.mjs <widget dist folder>
//
// Prints one tab-separated line per row:
//   name  version  files  raw  gzip  brotli  externals  runtime
// `externals` are the bare imports the entry needs from the page (React); `runtime` is what the
// loader fetches from the vendor at run time (a remote script, or an iframe), which is not on npm
// and is not fetched here.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MODULES = path.join(HERE, 'node_modules');

const COMPETITORS = [
  { name: 'Plaid Link', pkg: 'react-plaid-link' },
  { name: 'Merge Link', pkg: '@mergeapi/react-merge-link' },
  { name: 'Finch Connect', pkg: '@tryfinch/react-connect' },
  { name: 'Stripe Connect', pkg: '@stripe/connect-js' },
  { name: 'Kombo Connect', pkg: '@kombo-api/connect' },
  { name: 'Nango frontend', pkg: '@nangohq/frontend' },
];

function sizes(buffers) {
  const all = Buffer.concat(buffers);
  const gzip = zlib.gzipSync(all, { level: 9 }).length;
  const brotli = zlib.brotliCompressSync(all, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: all.length,
    },
  }).length;
  return { raw: all.length, gzip, brotli };
}

/** Each file compressed on its own (as it travels), summed. */
function perFileSizes(buffers) {
  const total = { raw: 0, gzip: 0, brotli: 0 };
  for (const buffer of buffers) {
    const one = sizes([buffer]);
    total.raw += one.raw;
    total.gzip += one.gzip;
    total.brotli += one.brotli;
  }
  return total;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"])([^'"]+)\1/g;

/** The entry a bundler would pick (ESM `module`, else `import` export, else `main`). */
function entryOf(dir, manifest) {
  const dot = manifest.exports?.['.'];
  const candidates = [
    manifest.module,
    typeof dot === 'string' ? dot : dot?.import?.default ?? dot?.import ?? dot?.default,
    manifest.main,
    'index.js',
  ];
  for (const candidate of candidates) {
    if (typeof candidate === 'string' && fs.existsSync(path.join(dir, candidate))) {
      return path.join(dir, candidate);
    }
  }
  throw new Error(`no entry file found in ${dir}`);
}

function resolveLocal(from, specifier) {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.js`, `${base}.mjs`, `${base}.cjs`, path.join(base, 'index.js')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** The entry and every file it reaches through relative imports; bare imports are externals. */
function closure(entry) {
  const files = [];
  const externals = new Set();
  const seen = new Set();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    files.push(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[2];
      if (specifier.startsWith('.')) {
        const resolved = resolveLocal(file, specifier);
        if (resolved) queue.push(resolved);
      } else if (!specifier.startsWith('node:')) {
        externals.add(specifier);
      }
    }
  }
  return { files, externals: [...externals].sort() };
}

/** What the loader fetches from the vendor at run time: remote scripts, else iframes. */
function runtimeFetches(texts) {
  const joined = texts.join('\n');
  const scripts = [...new Set(joined.match(/https:\/\/[a-z0-9.-]+\/[A-Za-z0-9_./-]*\.js\b/g) ?? [])]
    // Only production hosts: drop develop/staging variants.
    .filter((url) => !/develop|staging|mu-|dropbox|openai/.test(url));
  if (scripts.length > 0) return `remote script ${scripts.join(', ')}`;
  if (/createElement\(\s*['"]iframe['"]/.test(joined)) {
    const hosts = [...new Set(joined.match(/https:\/\/connect\.[a-z0-9.-]+/g) ?? [])];
    return `iframe${hosts.length > 0 ? ` ${hosts.join(', ')}` : ' (URL from the vendor API)'}`;
  }
  return 'none found';
}

function line(fields) {
  process.stdout.write(`${fields.map((f) => String(f).replace(/[\t\n]/g, ' ')).join('\t')}\n`);
}

const dist = process.argv[2];
if (!dist) {
  console.error('usage: node weight.mjs <widget dist folder>');
  process.exit(2);
}

// Ours: the loader (stable name; it draws the idle button, its stylesheet inside), then the
// hashed glue and wasm, fetched on intent or when the page is idle.
const names = fs.readdirSync(dist);
const loader = names.find((n) => n === 'hire-with-remote.js');
const glue = names.find((n) => /^hwr-widget-[0-9a-f]+\.js$/.test(n));
const wasm = names.find((n) => /^hwr-widget-[0-9a-f]+_bg\.wasm$/.test(n));
if (!loader || !glue || !wasm) {
  console.error(`widget/dist is incomplete: ${names.join(', ')}`);
  process.exit(1);
}
const ours = [loader, glue, wasm].map((n) => fs.readFileSync(path.join(dist, n)));
const first = perFileSizes(ours.slice(0, 1));
line(['ours', 'hire-with-remote.js (loader: the idle button and its CSS)', 1, first.raw, first.gzip, first.brotli, '', 'none']);
for (const [label, buffer] of [
  [`${glue} (glue)`, ours[1]],
  [`${wasm} (wasm)`, ours[2]],
]) {
  const s = sizes([buffer]);
  line(['part', label, 1, s.raw, s.gzip, s.brotli, '', '']);
}
const later = perFileSizes(ours.slice(1));
line(['later', 'hire-with-remote, the widget code (on intent or when the page is idle)', 2, later.raw, later.gzip, later.brotli, '', '']);
const total = perFileSizes(ours);
line(['all', 'hire-with-remote, everything', 3, total.raw, total.gzip, total.brotli, '', '']);

for (const { name, pkg } of COMPETITORS) {
  const dir = path.join(MODULES, pkg);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const { files, externals } = closure(entryOf(dir, manifest));
  const buffers = files.map((f) => fs.readFileSync(f));
  const s = perFileSizes(buffers);
  const relative = files.map((f) => path.relative(dir, f)).join(' + ');
  line([
    'competitor',
    `${name} (${pkg}@${manifest.version}: ${relative})`,
    files.length,
    s.raw,
    s.gzip,
    s.brotli,
    externals.join(' ') || 'none',
    runtimeFetches(buffers.map((b) => b.toString('utf8'))),
  ]);
}
