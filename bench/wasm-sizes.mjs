// Where the widget's wasm bytes go: code size per crate, from cargo's unstripped wasm (before
// wasm-bindgen and wasm-opt; the function names are still there), plus the data section.
//
//   node wasm-sizes.mjs <hwr_widget.wasm>
//
// Prints tab-separated lines: `crate  bytes  share%`, biggest first, then `total  bytes  100`.

import fs from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node wasm-sizes.mjs <file.wasm>');
  process.exit(2);
}
const bytes = fs.readFileSync(file);
let pos = 8;

function uleb() {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++];
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return result;
    shift += 7;
  }
}

function name() {
  const len = uleb();
  const text = bytes.toString('utf8', pos, pos + len);
  pos += len;
  return text;
}

let importedFunctions = 0;
const bodies = [];
const names = new Map();
let dataBytes = 0;

while (pos < bytes.length) {
  const id = bytes[pos++];
  const size = uleb();
  const end = pos + size;
  if (id === 2) {
    // imports: count the function imports (they take the first function indices)
    const count = uleb();
    for (let i = 0; i < count; i++) {
      name();
      name();
      const kind = bytes[pos++];
      if (kind === 0) {
        uleb();
        importedFunctions++;
      } else if (kind === 1) {
        pos++;
        const flags = uleb();
        uleb();
        if (flags & 1) uleb();
      } else if (kind === 2) {
        const flags = uleb();
        uleb();
        if (flags & 1) uleb();
      } else if (kind === 3) {
        pos += 2;
      }
    }
  } else if (id === 10) {
    const count = uleb();
    for (let i = 0; i < count; i++) {
      const bodySize = uleb();
      bodies.push(bodySize);
      pos += bodySize;
    }
  } else if (id === 11) {
    dataBytes += size;
  } else if (id === 0) {
    const section = name();
    if (section === 'name') {
      while (pos < end) {
        const sub = bytes[pos++];
        const subSize = uleb();
        const subEnd = pos + subSize;
        if (sub === 1) {
          const count = uleb();
          for (let i = 0; i < count; i++) {
            const index = uleb();
            names.set(index, name());
          }
        }
        pos = subEnd;
      }
    }
  }
  pos = end;
}

/** Legacy mangling (`_ZN4core3fmt5write17h…E`) to a readable path. */
function demangleLegacy(symbol) {
  let rest = symbol.slice(3);
  const parts = [];
  for (;;) {
    const m = rest.match(/^(\d+)/);
    if (!m) break;
    const len = Number(m[1]);
    parts.push(rest.slice(m[1].length, m[1].length + len));
    rest = rest.slice(m[1].length + len);
  }
  return parts
    .join('::')
    .replace(/\$LT\$/g, '<')
    .replace(/\$GT\$/g, '>')
    .replace(/\$RF\$/g, '&')
    .replace(/\$BP\$/g, '*')
    .replace(/\$C\$/g, ',')
    .replace(/\$u20\$/g, ' ')
    .replace(/\$u7b\$/g, '{')
    .replace(/\$u7d\$/g, '}')
    .replace(/\.\./g, '::')
    .replace(/^_</, '<');
}

const GENERIC = /^(?:&?(?:mut )?)?(?:[A-Z]|\[|\(|u8|u16|u32|u64|usize|i32|i64|f64|bool|str|char|dyn |\*)/;

/** The crate a function belongs to: the first path segment; for `<X as Trait>`, X's crate unless X is generic. */
function crateOf(symbol) {
  if (!symbol) return '(unnamed)';
  if (symbol.startsWith('_ZN')) {
    const path = demangleLegacy(symbol);
    const impl = path.match(/^<(.+?) as ([a-zA-Z_]\w*)/);
    if (impl) {
      const own = impl[1].replace(/^&(mut )?/, '');
      if (!GENERIC.test(own)) return own.split('::')[0].replace(/<.*/, '');
      return impl[2];
    }
    const plain = path.match(/^<([a-zA-Z_]\w*)/);
    if (plain) return plain[1];
    return path.split('::')[0];
  }
  if (symbol.startsWith('_R')) {
    const m = symbol.match(/C(?:s[0-9a-zA-Z]*_)?(\d+)/);
    if (m) {
      const at = m.index + m[0].length;
      return symbol.slice(at, at + Number(m[1]));
    }
  }
  if (/^(mem|str|dl|malloc|free|realloc|calloc|__rust|__rdl|__rg)/.test(symbol)) return '(allocator, memcpy)';
  if (/^__(wbg|wbindgen|externref)/.test(symbol)) return 'wasm_bindgen';
  return '(exports and other)';
}

const byCrate = new Map();
let code = 0;
bodies.forEach((size, i) => {
  const symbol = names.get(importedFunctions + i) ?? '';
  // Descriptor functions are read and removed by wasm-bindgen: not shipped.
  if (symbol.startsWith('__wbindgen_describe')) return;
  const crate = crateOf(symbol);
  byCrate.set(crate, (byCrate.get(crate) ?? 0) + size);
  code += size;
});
byCrate.set('(data: strings, CSS, tables)', dataBytes);
const shipped = code + dataBytes;
const rows = [...byCrate.entries()].sort((a, b) => b[1] - a[1]);
for (const [crate, size] of rows) {
  process.stdout.write(`${crate}\t${size}\t${((100 * size) / shipped).toFixed(1)}\n`);
}
process.stdout.write(`total\t${shipped}\t100\n`);
