// Browser measurements for `cargo xtask bench`, in headless Chromium (playwright-core) against
// `hire-with-remote demo`, measured from outside the widget (init scripts and the server's log):
//
//   startup  cold loads of the demo page: loader evaluation → button interactive (the loader's
//            early button) and → widget code mounted, layout shift, click → window.open and
//            whether anything went on the network in between; clicks before the widget code
//   allow    Allow in the consent popup → the onboarding page loaded in the main window, with 0 ms
//            and with added upstream latency, and the browser → backend requests after the callback
//
//   node browser.mjs --binary PATH [--loads 25] [--flows 5] [--latency 100]
//
// Prints tab-separated lines: `startup  <metric>  <value>…`, `allow  <latency>  <metric>  <value>…`.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { chromium } from 'playwright-core';

const { values: options } = parseArgs({
  options: {
    binary: { type: 'string' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
    loads: { type: 'string', default: '25' },
    flows: { type: 'string', default: '5' },
    latency: { type: 'string', default: '100' },
  },
});
if (!options.binary) {
  console.error('usage: node browser.mjs --binary PATH [--loads N] [--flows N] [--latency MS]');
  process.exit(2);
}
const LOADS = Number(options.loads);
const FLOWS = Number(options.flows);
const LATENCY = Number(options.latency);
/** Loads whose first button is clicked as soon as it is there (before the widget code)… */
const EARLY_CLICKS = 10;
/** …with the wasm's response held back this long, as on a slow network. */
const EARLY_HOLD_MS = 300;
const BUTTON_NAME = 'Hire with Remote';
/** The upstream routes the backend calls on the way from Allow to onboarding. */
const UPSTREAM_ROUTES = [
  'POST /auth/oauth2/token',
  'GET /v1/countries',
  'POST /v1/employments',
  'POST /v1/magic-link',
];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function out(...fields) {
  process.stdout.write(`${fields.map((f) => String(f).replace(/[\t\n]/g, ' ')).join('\t')}\n`);
}

function log(message) {
  process.stderr.write(`bench/browser: ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// The demo
// ---------------------------------------------------------------------------------------------

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePortRun(count) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 12000);
    let free = true;
    for (let i = 0; i < count && free; i++) free = await portIsFree(base + i);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports`);
}

class Demo {
  static async start(binary) {
    const port = await freePortRun(3);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-bench-demo-'));
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('HWR_')),
    );
    // The backend's access log (`hwr::access`, at INFO) gives every request's route and duration:
    // the server-side view.
    env.RUST_LOG = 'info,sqlx=warn';
    const child = spawn(binary, ['demo', '--port', String(port), '--data-dir', dataDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env,
    });
    const demo = new Demo(port, dataDir, child);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (demo.exited) throw new Error(`the demo exited:\n${demo.lines.slice(-20).join('\n')}`);
      try {
        const [health, site] = await Promise.all([
          fetch(`${demo.backend}/healthz`),
          fetch(`${demo.site}/`),
        ]);
        if (health.ok && site.ok) return demo;
      } catch {
        // not yet
      }
      await sleep(100);
    }
    throw new Error('the demo did not start in 20 s');
  }

  constructor(port, dataDir, child) {
    this.backend = `http://127.0.0.1:${port}`;
    this.sandbox = `http://127.0.0.1:${port + 1}`;
    this.site = `http://127.0.0.1:${port + 2}`;
    this.dataDir = dataDir;
    this.child = child;
    this.lines = [];
    this.requests = [];
    this.exited = false;
    let partial = '';
    child.stderr.on('data', (chunk) => {
      const text = partial + chunk.toString();
      const lines = text.split('\n');
      partial = lines.pop();
      for (const line of lines) this.onLine(line);
    });
    this.exit = new Promise((resolve) => child.on('exit', () => resolve((this.exited = true))));
  }

  onLine(raw) {
    // eslint-disable-next-line no-control-regex
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
    this.lines.push(line);
    if (this.lines.length > 2000) this.lines.splice(0, 1000);
    // One access line per request, written when its response is ready, e.g.
    // `INFO hwr::access: request method=GET route="/oauth/callback" status=200 duration_ms=4.2 …`.
    const access = line.match(/hwr::access: request method=(\w+) route="([^"]*)" status=\d+ duration_ms=([\d.]+)/);
    if (!access) return;
    const route = access[2].replace('{flow_id}', '{id}');
    this.requests.push({ request: `${access[1]} ${route}`, latency: Number(access[3]) });
  }

  async stop() {
    if (!this.exited) {
      this.child.kill('SIGTERM');
      const timeout = sleep(5000).then(() => 'timeout');
      if ((await Promise.race([this.exit, timeout])) === 'timeout') this.child.kill('SIGKILL');
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  async control(route, body, method = 'POST') {
    const response = await fetch(`${this.sandbox}/__sandbox/${route}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} /__sandbox/${route}: ${response.status}`);
  }

  async token(user = 'demo-employer') {
    const response = await fetch(`${this.site}/demo/token?user=${encodeURIComponent(user)}`);
    return (await response.json()).token;
  }

  /** Forgets the demo user's connection, as a job site's "disconnect" would. */
  async disconnect() {
    const response = await fetch(`${this.backend}/api/v1/connection`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${await this.token()}`, origin: this.site },
    });
    if (response.status !== 204) throw new Error(`DELETE /api/v1/connection: ${response.status}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The browser and the init scripts (they run before the page's own scripts)
// ---------------------------------------------------------------------------------------------

async function launch() {
  return chromium.launch({
    executablePath: options.chromium,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // Keep the popup blocker on, as in a real browser: the widget must open inside the click.
    ignoreDefaultArgs: ['--disable-popup-blocking'],
  });
}

/** Runs in the job-site page: timestamps, layout shifts, window.open and the network. */
function probe() {
  const m = {
    defined: null,
    firstButton: null,
    allButtons: null,
    allMounted: null,
    shifts: [],
    click: null,
    open: null,
    clickTaskOver: false,
    openInClickTask: null,
    fetches: [],
  };
  window.__bench = m;
  const now = () => performance.now();

  // Loader evaluation: the loader's last statement defines the custom element.
  const define = customElements.define.bind(customElements);
  customElements.define = (name, ...rest) => {
    if (name === 'hire-with-remote' && m.defined === null) m.defined = now();
    return define(name, ...rest);
  };

  // A button in a widget's shadow root (the loader's early one counts: it takes clicks), and the
  // widget code mounted (the wasm's root replaced the loader's): watched on every shadow root as
  // it is attached.
  const shadows = [];
  const check = () => {
    const hosts = document.querySelectorAll('hire-with-remote');
    let ready = 0;
    let mounted = 0;
    for (const host of hosts) {
      const button = host.shadowRoot?.querySelector('button');
      if (button && button.getAttribute('aria-disabled') !== 'true' && !button.disabled) ready += 1;
      if (host.shadowRoot?.querySelector('.hwr-root:not(.hwr-root--early) button')) mounted += 1;
    }
    if (ready > 0 && m.firstButton === null) m.firstButton = now();
    if (hosts.length > 0 && ready === hosts.length && m.allButtons === null) m.allButtons = now();
    if (hosts.length > 0 && mounted === hosts.length && m.allMounted === null) m.allMounted = now();
  };
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function attachShadow(init) {
    const root = attach.call(this, init);
    if (this.localName === 'hire-with-remote') {
      shadows.push(root);
      new MutationObserver(check).observe(root, {
        childList: true,
        subtree: true,
        attributes: true,
      });
    }
    return root;
  };

  // Layout shifts (the page has nothing else that moves, so all of it is the widget's).
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (entry.hadRecentInput) continue;
        m.shifts.push({
          value: entry.value,
          at: entry.startTime,
          sources: (entry.sources ?? []).map((s) => s.node?.nodeName ?? '?').join(','),
        });
      }
    }).observe({ type: 'layout-shift', buffered: true });
  } catch {
    // not supported
  }

  // The click (capture on window: before the widget's own handler) and window.open.
  // The click's task ends when a timer queued from its first listener runs: a window.open
  // before that is inside the click's task (no await on the network in between).
  window.addEventListener('click', () => {
    if (m.click === null) {
      m.click = now();
      setTimeout(() => {
        m.clickTaskOver = true;
      }, 0);
    }
  }, true);
  const open = window.open;
  window.open = function benchOpen(...args) {
    if (m.open === null) {
      m.open = now();
      m.openInClickTask = m.click !== null && !m.clickTaskOver;
    }
    return open.apply(this, args);
  };
  const fetchOriginal = window.fetch;
  window.fetch = function benchFetch(input, ...rest) {
    const url = typeof input === 'string' ? input : input?.url ?? String(input);
    m.fetches.push({ at: now(), url });
    return fetchOriginal.call(this, input, ...rest);
  };
  const xhrOpen = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function benchXhr(method, url, ...rest) {
    m.fetches.push({ at: now(), url: String(url) });
    return xhrOpen.call(this, method, url, ...rest);
  };

  // For the Allow measurement: wall-clock times of the Allow click (in the consent popup), of
  // the job-site page starting to leave, and of the onboarding page's load event.
  const record = (entry) => {
    try {
      window.__benchRecord(entry);
    } catch {
      // no binding on this page
    }
  };
  document.addEventListener('click', (event) => {
    const target = event.target;
    if (target?.name === 'decision' && target?.value === 'allow') {
      record({ kind: 'allow', at: Date.now() });
    }
  }, true);
  window.addEventListener('beforeunload', () => {
    if (document.querySelector('hire-with-remote')) record({ kind: 'leave', at: Date.now() });
  });
  window.addEventListener('load', () => {
    if (location.pathname.startsWith('/onboarding/')) {
      const heading = document.querySelector('h1')?.textContent ?? '';
      record({ kind: 'onboarding', at: Date.now(), heading });
    }
  });
}

async function newContext(browser) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await context.addInitScript(probe);
  return context;
}

function percentile(values, p) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, rank)];
}

function summary(name, values, unit = 'ms') {
  const finite = values.filter((v) => Number.isFinite(v));
  out(
    'startup',
    name,
    finite.length,
    percentile(finite, 50).toFixed(1),
    percentile(finite, 95).toFixed(1),
    Math.min(...finite).toFixed(1),
    Math.max(...finite).toFixed(1),
    unit,
  );
}

// ---------------------------------------------------------------------------------------------
// Start-up: cold loads
// ---------------------------------------------------------------------------------------------

async function coldLoad(browser, demo, { click, early = false }) {
  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    // Bytes on the wire per widget file (headers and compressed body, as Chromium received them).
    const urls = new Map();
    const encodings = new Map();
    const wire = {};
    const encoding = {};
    cdp.on('Network.responseReceived', (e) => {
      urls.set(e.requestId, e.response.url);
      const headers = Object.fromEntries(
        Object.entries(e.response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
      );
      encodings.set(e.requestId, headers['content-encoding'] ?? 'identity');
    });
    cdp.on('Network.loadingFinished', (e) => {
      const url = urls.get(e.requestId) ?? '';
      const path = url.startsWith(demo.backend) ? new URL(url).pathname : '';
      const kind = path === '/widget/v1/hire-with-remote.js'
        ? 'loader'
        : path.startsWith('/widget/') && path.endsWith('.wasm')
          ? 'wasm'
          : path.startsWith('/widget/') && path.endsWith('.js')
            ? 'glue'
            : null;
      if (kind) {
        wire[kind] = e.encodedDataLength;
        encoding[kind] = encodings.get(e.requestId);
      }
    });
    const backendRequests = [];
    page.on('request', (request) => {
      if (request.url().startsWith(demo.backend)) {
        backendRequests.push({ url: request.url(), method: request.method(), at: Date.now() });
      }
    });
    if (early) {
      // A slow network: the wasm answers EARLY_HOLD_MS late, so the click beats the code.
      await context.route(/_bg\.wasm$/, async (route) => {
        await sleep(EARLY_HOLD_MS);
        await route.continue();
      });
    }
    await page.goto(`${demo.site}/`, { waitUntil: early ? 'commit' : 'load' });
    if (early) return { earlyClick: await clickEarly(page) };
    await page.waitForFunction(() => window.__bench?.allMounted !== null, null, { timeout: 15_000 });
    // Let the mount-time connection checks answer and anything late move the layout.
    await sleep(500);
    const timing = await page.evaluate(() => {
      const resource = (suffix) =>
        performance
          .getEntriesByType('resource')
          .find((e) => new URL(e.name).pathname.endsWith(suffix) || e.name.includes(suffix));
      const loader = resource('/widget/v1/hire-with-remote.js');
      const wasm = performance.getEntriesByType('resource').find((e) => e.name.endsWith('.wasm'));
      const nav = performance.getEntriesByType('navigation')[0];
      return {
        ...window.__bench,
        loaderEnd: loader?.responseEnd ?? null,
        wasmStart: wasm?.startTime ?? null,
        wasmEnd: wasm?.responseEnd ?? null,
        domContentLoaded: nav?.domContentLoadedEventEnd ?? null,
        loadEvent: nav?.loadEventEnd ?? null,
      };
    });
    let clickResult = null;
    if (click) {
      const popupPromise = page.waitForEvent('popup', { timeout: 10_000 }).catch(() => null);
      const before = backendRequests.length;
      const button = page
        .locator('hire-with-remote')
        .first()
        .getByRole('button', { name: BUTTON_NAME, exact: true });
      await button.click();
      const popup = await popupPromise;
      const after = await page.evaluate(() => window.__bench);
      const inBetween = after.fetches.filter(
        (f) => after.click !== null && after.open !== null && f.at >= after.click && f.at <= after.open,
      );
      // Resource entries that started between the click and window.open (any kind of request).
      const resources = await page.evaluate(
        ([from, to]) =>
          performance
            .getEntriesByType('resource')
            .filter((e) => e.startTime >= from && e.startTime <= to)
            .map((e) => e.name),
        [after.click, after.open],
      );
      clickResult = {
        popup: popup !== null,
        delay: after.click !== null && after.open !== null ? after.open - after.click : NaN,
        network: inBetween.length + resources.length,
        sameTask: after.openInClickTask === true,
        requestsBeforePopupEvent: backendRequests.length - before,
      };
      if (popup) await popup.close().catch(() => {});
    }
    return { timing, clickResult, wire, encoding };
  } finally {
    await context.close().catch(() => {});
  }
}

/** Clicks the first button as soon as it is there (the loader's early button, before the widget
 *  code): does the consent popup still open, and how long after the click? */
async function clickEarly(page) {
  await page.waitForFunction(() => window.__bench?.firstButton !== null, null, { timeout: 15_000 });
  const popupPromise = page.waitForEvent('popup', { timeout: 10_000 }).catch(() => null);
  const clicked = Date.now();
  await page
    .locator('hire-with-remote')
    .first()
    .getByRole('button', { name: BUTTON_NAME, exact: true })
    .click();
  const popup = await popupPromise;
  let consent = NaN;
  if (popup) {
    await popup
      .waitForURL((url) => url.pathname === '/auth/oauth2/authorize', { timeout: 10_000, waitUntil: 'commit' })
      .then(() => {
        consent = Date.now() - clicked;
      })
      .catch(() => {});
  }
  const m = await page.evaluate(() => window.__bench);
  if (popup) await popup.close().catch(() => {});
  return {
    consent,
    popup: popup !== null,
    beforeCode: m.allMounted === null || m.allMounted > m.click,
    delay: m.click !== null && m.open !== null ? m.open - m.click : NaN,
    sameTask: m.openInClickTask === true,
  };
}

async function startup(browser, demo) {
  // One unrecorded load: Chromium's own first-use costs (processes, fonts) are not the widget's.
  await coldLoad(browser, demo, { click: false });
  const loads = [];
  for (let i = 0; i < LOADS; i++) {
    loads.push(await coldLoad(browser, demo, { click: true }));
  }
  const t = loads.map((l) => l.timing);
  for (const kind of ['loader', 'glue', 'wasm']) {
    const bytes = loads.map((l) => l.wire?.[kind]).filter((b) => Number.isFinite(b));
    const used = [...new Set(loads.map((l) => l.encoding?.[kind]).filter(Boolean))].join('+');
    if (bytes.length > 0) out('wire', kind, bytes.length, percentile(bytes, 50), used);
  }
  summary('loader evaluated → first button interactive', t.map((x) => x.firstButton - x.defined));
  summary('loader evaluated → all 3 buttons interactive', t.map((x) => x.allButtons - x.defined));
  summary('navigation start → first button interactive', t.map((x) => x.firstButton));
  summary('navigation start → loader evaluated', t.map((x) => x.defined));
  summary('DOMContentLoaded end → first button interactive (negative: the button came first)', t.map((x) => x.firstButton - x.domContentLoaded));
  summary('loader evaluated → widget code mounted in all 3', t.map((x) => x.allMounted - x.defined));
  summary('· load event → wasm request starts (idle time, nobody touching the page)', t.map((x) => x.wasmStart - x.loadEvent));
  summary('· wasm download (request start → response end)', t.map((x) => x.wasmEnd - x.wasmStart));
  summary('· wasm response end → all 3 mounted (compile, instantiate, mount)', t.map((x) => x.allMounted - x.wasmEnd));
  const early = [];
  for (let i = 0; i < EARLY_CLICKS; i++) {
    early.push((await coldLoad(browser, demo, { click: false, early: true })).earlyClick);
  }
  summary(`click on the early button (before the widget code; wasm answered ${EARLY_HOLD_MS} ms late) → window.open`, early.map((c) => c.delay));
  summary(`click on the early button (wasm answered ${EARLY_HOLD_MS} ms late) → consent page requested in the popup (wall clock)`, early.map((c) => c.consent));
  out('startup-note', 'early clicks before the widget code', `${early.filter((c) => c.beforeCode).length}/${early.length}`);
  out('startup-note', 'early clicks that opened the popup', `${early.filter((c) => c.popup).length}/${early.length}`);
  out('startup-note', 'early clicks with window.open inside the click task', `${early.filter((c) => c.sameTask).length}/${early.length}`);
  const shifts = t.map((x) => x.shifts.reduce((sum, s) => sum + s.value, 0));
  out(
    'startup',
    'layout shift (CLS sum per load)',
    shifts.length,
    percentile(shifts, 50).toFixed(4),
    percentile(shifts, 95).toFixed(4),
    Math.min(...shifts).toFixed(4),
    Math.max(...shifts).toFixed(4),
    'score',
  );
  const sources = [...new Set(t.flatMap((x) => x.shifts.map((s) => s.sources)))].filter(Boolean);
  out('startup-note', 'shift sources', sources.join(' ') || 'none');
  const clicks = loads.map((l) => l.clickResult);
  summary('click → window.open', clicks.map((c) => c.delay));
  out('startup-note', 'popups opened', `${clicks.filter((c) => c.popup).length}/${clicks.length}`);
  out(
    'startup-note',
    'window.open inside the click task',
    `${clicks.filter((c) => c.sameTask).length}/${clicks.length}`,
  );
  out(
    'startup-note',
    'loads with a request between click and window.open',
    `${clicks.filter((c) => c.network > 0).length}/${clicks.length}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Allow → onboarding
// ---------------------------------------------------------------------------------------------

async function allowFlow(browser, demo) {
  const context = await newContext(browser);
  const marks = {};
  await context.exposeBinding('__benchRecord', (_source, entry) => {
    marks[entry.kind] ??= entry;
  });
  try {
    const page = await context.newPage();
    await page.goto(`${demo.site}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.__bench?.allMounted !== null, null, { timeout: 15_000 });
    await page.waitForLoadState('networkidle');
    const popupPromise = page.waitForEvent('popup', { timeout: 10_000 });
    await page
      .locator('hire-with-remote')
      .first()
      .getByRole('button', { name: BUTTON_NAME, exact: true })
      .click();
    const popup = await popupPromise;
    const allow = popup.locator('button[name="decision"][value="allow"]');
    await allow.waitFor({ timeout: 15_000 });
    await popup.waitForLoadState('load');
    // A person reads the consent page before clicking: by then the widget has polled the flow
    // once (its poll interval is 1 s), as it would have in real life.
    await sleep(1500);
    const firstRequest = demo.requests.length;
    await allow.click();
    await page.waitForURL((url) => url.pathname.startsWith('/onboarding/'), { timeout: 30_000 });
    const deadline = Date.now() + 10_000;
    while (!marks.onboarding && Date.now() < deadline) await sleep(20);
    await sleep(1500); // late requests (a poll in flight) still land in the log
    const after = demo.requests.slice(firstRequest);
    const callback = after.findIndex((r) => r.request === 'GET /oauth/callback');
    if (callback < 0) {
      // Counting requests "after the callback" without one would report zero and pass.
      throw new Error(
        `the demo's access log shows no GET /oauth/callback for this flow; it shows: ${after.map((r) => r.request).join(', ') || 'nothing'}`,
      );
    }
    const afterCallback = after.slice(callback + 1);
    return {
      total: marks.onboarding && marks.allow ? marks.onboarding.at - marks.allow.at : NaN,
      leave: marks.leave && marks.allow ? marks.leave.at - marks.allow.at : NaN,
      heading: marks.onboarding?.heading ?? '',
      callbackMs: after[callback]?.latency ?? NaN,
      hireMs: after.find((r) => r.request === 'POST /api/v1/hires')?.latency ?? NaN,
      afterCallback: afterCallback.map((r) => r.request),
    };
  } finally {
    await context.close().catch(() => {});
  }
}

async function allowSeries(browser, demo, latency) {
  const results = [];
  for (let i = 0; i < FLOWS; i++) {
    await demo.disconnect().catch(() => {});
    await demo.control('reset');
    if (latency > 0) {
      for (const route of UPSTREAM_ROUTES) {
        await demo.control('faults', { route, latency_ms: latency, probability: 1.0 });
      }
    }
    results.push(await allowFlow(browser, demo));
  }
  await demo.control('faults', undefined, 'DELETE');
  // The country list is already cached by the backend (the start-up loads' widgets fetched it),
  // as on any running backend.
  const warm = results;
  const row = (label, list, key) => {
    const values = list.map((r) => r[key]);
    out('allow', latency, label, values.length, percentile(values, 50).toFixed(0), Math.max(...values).toFixed(0));
  };
  row('Allow → onboarding loaded', warm, 'total');
  row('Allow → job-site page starts leaving', warm, 'leave');
  row('server: GET /oauth/callback (code exchange, then the hire)', warm, 'callbackMs');
  if (warm.some((r) => Number.isFinite(r.hireMs))) row('server: POST /api/v1/hires', warm, 'hireMs');
  const lists = warm.map((r) => r.afterCallback.join(', '));
  const counts = warm.map((r) => r.afterCallback.length);
  out('allow', latency, 'requests to the backend after the callback', counts.length, percentile(counts, 50), Math.max(...counts));
  const common = lists.sort((a, b) => lists.filter((x) => x === b).length - lists.filter((x) => x === a).length)[0];
  out('allow-note', latency, 'typical requests after the callback', common || 'none');
  out('allow-note', latency, 'onboarding heading', [...new Set(results.map((r) => r.heading))].join(' | '));
}

// ---------------------------------------------------------------------------------------------

const demo = await Demo.start(options.binary);
const browser = await launch();
out('meta', 'chromium', browser.version());
try {
  log(`start-up: ${LOADS} cold loads`);
  await startup(browser, demo);
  for (const latency of [0, LATENCY]) {
    log(`Allow → onboarding with ${latency} ms upstream latency: ${FLOWS} flows`);
    await allowSeries(browser, demo, latency);
  }
} catch (error) {
  log(`failed: ${error.stack}\n${demo.lines.slice(-30).join('\n')}`);
  process.exitCode = 1;
} finally {
  await browser.close().catch(() => {});
  await demo.stop();
}
