// The e2e harness: runs `hire-with-remote demo` on free ports, drives headless Chromium with
// playwright-core, records the widget's DOM events, and on failure prints what a person needs to
// see (the page's event log, the widgets' status lines, the sandbox's state, the demo's output).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

import { chromium } from 'playwright-core';

export const ROOT = path.dirname(fileURLToPath(import.meta.url));
export const RESULTS = path.join(ROOT, 'test-results');
export const BINARY =
  process.env.HWR_BINARY || path.resolve(ROOT, '../../target/release/hire-with-remote');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** The names on the demo page, in page order. */
export const ANA = 'Ana Silva';
export const JONAS = 'Jonas Becker';
export const KIM = 'Kim Hye-jin';

const BUTTON_NAME = 'Hire with Remote';
/** The button of a candidate the employer's company already employs. */
export const OPEN_BUTTON_NAME = 'Open in Remote';
const ANY_BUTTON_NAME = new RegExp(`^(${BUTTON_NAME}|${OPEN_BUTTON_NAME})$`);

// ---------------------------------------------------------------------------------------------
// Ports and the demo process
// ---------------------------------------------------------------------------------------------

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port P such that P..P+count-1 are all free (picked below Linux's ephemeral range). */
export async function freePortRun(count) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 12000);
    let free = true;
    for (let i = 0; i < count && free; i++) free = await portIsFree(base + i);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

/** One free port. */
export async function freePort() {
  return freePortRun(1);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function answers(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Starts `$HWR_BINARY demo` on three free ports with a fresh data folder; resolves once the
 * backend's /healthz and the job site answer. `extraEnv` is added to the demo's environment
 * (from which every other `HWR_*` variable is removed), e.g. `HWR_WEBHOOK_SECRET`.
 */
export async function startDemo(extraEnv = {}) {
  if (!fs.existsSync(BINARY)) {
    throw new Error(
      `${BINARY} does not exist: build it with \`cargo xtask build\` or set HWR_BINARY`,
    );
  }
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePortRun(3);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwr-e2e-'));
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('HWR_')),
    );
    env.RUST_LOG ??= 'info';
    Object.assign(env, extraEnv);
    const child = spawn(BINARY, ['demo', '--port', String(port), '--data-dir', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    const demo = new Demo(port, dataDir, child, extraEnv);
    try {
      await demo.ready();
      return demo;
    } catch (error) {
      lastError = error;
      await demo.stop();
      // Another process took one of the ports between the check and the bind: try others.
      if (!/failed to (listen|start)|address already in use/i.test(demo.output())) break;
    }
  }
  throw lastError;
}

export class Demo {
  constructor(port, dataDir, child, env = {}) {
    this.port = port;
    this.env = env;
    this.backend = `http://127.0.0.1:${port}`;
    this.sandbox = `http://127.0.0.1:${port + 1}`;
    this.site = `http://127.0.0.1:${port + 2}`;
    this.dataDir = dataDir;
    this.child = child;
    this.lines = [];
    this.exited = null;
    const keep = (stream) => (chunk) => {
      for (const line of chunk.toString().split('\n')) {
        if (line) this.lines.push(`${stream}: ${line}`);
      }
      if (this.lines.length > 4000) this.lines.splice(0, this.lines.length - 4000);
    };
    child.stdout.on('data', keep('out'));
    child.stderr.on('data', keep('err'));
    this.exit = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve(this.exited);
      });
    });
  }

  async ready(timeoutMs = 20000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) {
        throw new Error(
          `the demo exited early (${JSON.stringify(this.exited)}):\n${this.output()}`,
        );
      }
      if ((await answers(`${this.backend}/healthz`)) && (await answers(`${this.site}/`))) {
        return;
      }
      await sleep(100);
    }
    throw new Error(`the demo did not answer within ${timeoutMs} ms:\n${this.output()}`);
  }

  /** The demo's stdout and stderr, last lines first trimmed. */
  output(last = 80) {
    return this.lines.slice(-last).join('\n');
  }

  async stop() {
    if (!this.exited) {
      this.child.kill('SIGTERM');
      let timer;
      const timeout = new Promise((resolve) => {
        timer = setTimeout(() => resolve('timeout'), 5000);
      });
      const outcome = await Promise.race([this.exit, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        this.child.kill('SIGKILL');
        await this.exit;
      }
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  // --- the sandbox's control surface --------------------------------------------------------

  async state() {
    const response = await fetch(`${this.sandbox}/__sandbox/state`);
    if (!response.ok) throw new Error(`GET /__sandbox/state answered ${response.status}`);
    return response.json();
  }

  async control(route, body = {}) {
    const response = await fetch(`${this.sandbox}/__sandbox/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      throw new Error(`POST /__sandbox/${route} answered ${response.status}: ${await response.text()}`);
    }
    return response.status === 204 ? null : response.json().catch(() => null);
  }

  fault(fault) {
    return this.control('faults', fault);
  }

  revoke(body = {}) {
    return this.control('revoke', body);
  }

  reset() {
    return this.control('reset');
  }

  /** The deliveries of the sandbox's (Remote's) webhooks: `GET /__sandbox/webhooks`. */
  async sandboxWebhooks() {
    const response = await fetch(`${this.sandbox}/__sandbox/webhooks`);
    if (!response.ok) throw new Error(`GET /__sandbox/webhooks answered ${response.status}`);
    return response.json();
  }

  /** The backend's webhooks as the job site received them, oldest first. */
  async webhooks() {
    const response = await fetch(`${this.site}/demo/webhooks`);
    if (!response.ok) throw new Error(`GET /demo/webhooks answered ${response.status}`);
    return (await response.json()).webhooks;
  }

  /** Makes the job site answer the next `count` webhook deliveries with 500. */
  async failWebhooks(count) {
    const response = await fetch(`${this.site}/demo/webhooks/fail?count=${count}`, { method: 'POST' });
    if (!response.ok) throw new Error(`POST /demo/webhooks/fail answered ${response.status}`);
  }

  /** A site token from the job site, as its server would render into a page. */
  async token(user = 'demo-employer') {
    const response = await fetch(`${this.site}/demo/token?user=${encodeURIComponent(user)}`);
    if (!response.ok) throw new Error(`GET /demo/token answered ${response.status}`);
    return (await response.json()).token;
  }

  /** The backend's view of a site user's connection (called as the job site would). */
  async connection(user = 'demo-employer') {
    const response = await fetch(`${this.backend}/api/v1/connection`, {
      headers: { authorization: `Bearer ${await this.token(user)}`, origin: this.site },
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  }
}

/** A short, readable summary of `/__sandbox/state` for failure output. */
export function summarizeState(state) {
  if (!state) return '(no sandbox state)';
  const employments = (state.employments ?? []).map(
    (e) => `    ${e.id} ${e.full_name} (${e.country_code}) external_id=${e.external_id}`,
  );
  return [
    `  token_requests: ${JSON.stringify(state.token_requests)}`,
    `  employment_posts: ${state.employment_posts}`,
    `  employments (${employments.length}):`,
    ...employments,
    `  employment statuses: ${(state.employments ?? []).map((e) => `${e.full_name}=${e.status}`).join(', ') || '(none)'}`,
    `  issued: ${(state.issued?.codes ?? []).length} codes, ${(state.issued?.access_tokens ?? []).length} access tokens, ${(state.issued?.refresh_tokens ?? []).length} refresh tokens`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------------------------

export async function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      ...extraArgs,
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // Playwright turns Chromium's popup blocker off by default; keep it on, so the widget's
    // "window.open inside the click" is tested as a real browser treats it.
    ignoreDefaultArgs: ['--disable-popup-blocking'],
  });
}

// Runs in every page of the context before the page's own scripts: records the widget's DOM
// events (they bubble and are composed, so document hears them) and the callback page's
// postMessage, through a binding that survives navigation.
function recorder() {
  const record = (entry) => {
    try {
      window.__hwrRecord(entry);
    } catch {
      // The binding is missing only on pages Playwright does not control.
    }
  };
  for (const type of ['hwr:success', 'hwr:error', 'hwr:exit', 'hwr:status']) {
    document.addEventListener(
      type,
      (event) => {
        record({
          type,
          detail: event.detail ?? null,
          candidate: event.target?.getAttribute?.('full-name') ?? null,
          url: location.href,
        });
      },
      true,
    );
  }
  window.addEventListener(
    'message',
    (event) => {
      if (event.data && event.data.type === 'hwr:flow') {
        record({ type: 'message', detail: event.data, origin: event.origin, url: location.href });
      }
    },
    true,
  );
}

function slug(text) {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);
}

/** Deletes the screenshots and failure notes an earlier run left for scenario `id`. */
function removeOldResults(id) {
  if (!fs.existsSync(RESULTS)) return;
  for (const file of fs.readdirSync(RESULTS)) {
    if (file.startsWith(`${id}-`)) fs.rmSync(path.join(RESULTS, file), { force: true });
  }
}

/**
 * One scenario: a fresh demo (fresh database, fresh sandbox), a fresh browser context, and on
 * failure a readable dump. `id` names its files in test-results/ (`<id>-<NN>-<step>.png`);
 * `body` receives a {@link Session} and node:test's context.
 */
export function scenario(id, name, body, { timeout = 90_000, browserArgs = null, env = {} } = {}) {
  registerBrowserCleanup();
  test(name, { timeout }, async (t) => {
    removeOldResults(id);
    // Extra flags get a browser of the scenario's own.
    const own = browserArgs ? await launchBrowser(browserArgs) : null;
    const browser = own ?? (await sharedBrowser());
    const demo = await startDemo(env);
    const session = new Session(id, name, demo, browser);
    await session.open();
    const started = Date.now();
    try {
      await body(session, t);
      t.diagnostic(`${name}: ${Date.now() - started} ms`);
      const scanned = await leakScan(session, demo);
      t.diagnostic(`leak scan: ${scanned.secrets} secrets, ${scanned.places} places, 0 hits`);
    } catch (error) {
      const dump = await session.dump();
      fs.mkdirSync(RESULTS, { recursive: true });
      fs.writeFileSync(path.join(RESULTS, `${session.slug}-failure.txt`), `${error.stack}\n\n${dump}\n`);
      const wrapped = new Error(`${error.message}\n\n${dump}`, { cause: error });
      wrapped.stack = `${wrapped.message}\n${error.stack}`;
      throw wrapped;
    } finally {
      const closing = Date.now();
      await session.close();
      const stopping = Date.now();
      await own?.close();
      await demo.stop();
      t.diagnostic(`teardown: context ${stopping - closing} ms, demo ${Date.now() - stopping} ms`);
    }
  });
}

let browserPromise = null;
let cleanupRegistered = false;

/** One Chromium per test file, launched on first use. */
function sharedBrowser() {
  browserPromise ??= launchBrowser();
  return browserPromise;
}

/** Closes the file's Chromium after its last test (registered while the file loads). */
function registerBrowserCleanup() {
  if (cleanupRegistered) return;
  cleanupRegistered = true;
  after(async () => {
    if (browserPromise) await (await browserPromise).close();
  });
}

export class Session {
  constructor(id, name, demo, browser) {
    this.name = name;
    this.slug = slug(id);
    this.demo = demo;
    this.browser = browser;
    this.events = [];
    this.console = [];
    this.api = [];
    this.pages = [];
    this.consentStates = [];
    this.bindingSecrets = [];
    this.backendBodies = [];
    this.shots = 0;
    this.closed = false;
  }

  async open({ contextOptions = {} } = {}) {
    this.context = await this.browser.newContext({
      viewport: { width: 1100, height: 900 },
      ...contextOptions,
    });
    await this.context.exposeBinding('__hwrRecord', (_source, entry) => {
      this.events.push({ ...entry, at: Date.now() });
    });
    await this.context.addInitScript(recorder);
    const watch = (page) => {
      this.pages.push(page);
      page.on('console', (message) => {
        this.console.push(`[${message.type()}] ${page.url()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => this.console.push(`[pageerror] ${page.url()}: ${error}`));
    };
    this.context.on('page', watch);
    this.context.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin === this.demo.sandbox && url.pathname === '/auth/oauth2/authorize') {
        const state = url.searchParams.get('state');
        if (state) this.consentStates.push(state);
      }
    });
    this.context.on('response', (response) => {
      const url = new URL(response.url());
      if (url.origin === this.demo.backend && url.pathname === '/oauth/start') {
        // The binding cookie's secret: it must never show up in a log, a file or a page.
        this.bindingSecrets.push(
          response.headerValue('set-cookie').then(
            (cookie) => cookie?.split(';')[0].split('=')[1] ?? null,
            () => null,
          ),
        );
      }
      if (url.origin === this.demo.backend && !url.pathname.startsWith('/widget/')) {
        // Every page and answer the backend served, for the leak scan.
        this.backendBodies.push(
          response.text().then((body) => ({ url: url.pathname, body }), () => null),
        );
      }
      if (url.origin === this.demo.backend && url.pathname.startsWith('/api/')) {
        this.api.push(`${response.request().method()} ${url.pathname} → ${response.status()}`);
      }
    });
    this.context.on('requestfailed', (request) => {
      const url = new URL(request.url());
      if (url.origin === this.demo.backend) {
        this.api.push(`${request.method()} ${url.pathname} → failed: ${request.failure()?.errorText}`);
      }
    });
    this.page = await this.context.newPage();
    return this.page;
  }

  async close() {
    this.closed = true; // ends the waits still polling (the losers of a firstOf race)
    await this.context?.close().catch(() => {});
  }

  // --- the job site ---------------------------------------------------------------------

  /** Opens the demo job site and waits until the three buttons are there and quiet. */
  async gotoSite(page = this.page, url = `${this.demo.site}/`) {
    const firstCall = this.api.length;
    await page.goto(url, { waitUntil: 'networkidle' });
    // A candidate already hired has "Open in Remote" instead.
    const buttons = (await page.locator('hire-with-remote').all()).map((element) =>
      element.getByRole('button', { name: ANY_BUTTON_NAME }),
    );
    const deadline = Date.now() + 15_000;
    for (;;) {
      const failed = this.events.find(
        (e) => e.type === 'hwr:error' && e.detail?.code === 'load_failed' && e.url === page.url(),
      );
      if (failed) {
        throw new Error(`the widget failed to load on ${failed.url}: ${failed.detail.message} (see the browser console below)`);
      }
      const visible = await Promise.all(buttons.map((button) => button.isVisible()));
      // The widgets on a page share one GET /api/v1/connection (same backend and token); wait
      // for its answer (or failure), so that a click sees what a person's click would see a
      // moment after the page loaded.
      const checks = this.api
        .slice(firstCall)
        .filter((call) => call.startsWith('GET /api/v1/connection ')).length;
      if (visible.every(Boolean) && checks >= 1) return page;
      if (Date.now() > deadline) {
        throw new Error(`the widgets did not render their buttons and check the connection within 15 s on ${page.url()}`);
      }
      await sleep(50);
    }
  }

  widget(name, page = this.page) {
    return page.locator(`hire-with-remote[full-name="${name}"]`);
  }

  button(name, page = this.page) {
    return this.widget(name, page).getByRole('button', { name: BUTTON_NAME, exact: true });
  }

  /** The button of a candidate already hired. */
  openButton(name, page = this.page) {
    return this.widget(name, page).getByRole('button', { name: OPEN_BUTTON_NAME, exact: true });
  }

  retryButton(name, page = this.page) {
    return this.widget(name, page).getByRole('button', { name: 'Try again', exact: true });
  }

  status(name, page = this.page) {
    return this.widget(name, page).getByRole('status');
  }

  /** Clicks a candidate's button and returns the consent popup it opens. */
  async clickForPopup(name, page = this.page, { dblclick = false } = {}) {
    const popup = page.waitForEvent('popup', { timeout: 10_000 });
    if (dblclick) await this.button(name, page).dblclick();
    else await this.button(name, page).click();
    return popup;
  }

  /** Answers Remote's consent page (in the popup, or in this window in redirect mode). */
  async consent(consentPage, decision, step = 'consent') {
    await consentPage.waitForURL((url) => url.pathname === '/auth/oauth2/authorize', {
      timeout: 10_000,
    });
    await consentPage.getByRole('button', { name: 'Allow', exact: true }).waitFor();
    await this.shot(consentPage, step);
    const label = decision === 'deny' ? 'Deny' : 'Allow';
    await consentPage.getByRole('button', { name: label, exact: true }).click();
  }

  /** Waits for the page to land on the sandbox's onboarding page listing `names`. */
  async expectOnboarding(names, page = this.page, step = 'onboarding') {
    await page.waitForURL((url) => url.href.startsWith(`${this.demo.sandbox}/onboarding/`), {
      timeout: 20_000,
    });
    await page.getByRole('heading', { name: 'Onboarding', exact: true }).waitFor();
    for (const name of names) {
      await page.getByText(name, { exact: false }).first().waitFor({ timeout: 5_000 });
    }
    await this.shot(page, step);
  }

  /** Waits for a recorded event matching `type` (and `predicate`), returns it. */
  async waitForEvent(type, predicate = () => true, timeout = 20_000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = this.events.find((e) => e.type === type && predicate(e));
      if (found) return found;
      if (this.closed) throw new Error(`no ${type} event before the scenario ended`);
      if (Date.now() > deadline) {
        throw new Error(
          `no ${type} event within ${timeout} ms; recorded: ${JSON.stringify(this.events)}`,
        );
      }
      await sleep(50);
    }
  }

  eventsOf(type) {
    return this.events.filter((e) => e.type === type);
  }

  /** Polls the sandbox until `predicate(state)` holds; returns that state. */
  async waitForState(predicate, timeout = 10_000) {
    const deadline = Date.now() + timeout;
    let state;
    for (;;) {
      state = await this.demo.state();
      if (predicate(state)) return state;
      if (Date.now() > deadline) {
        throw new Error(`the sandbox never reached the expected state:\n${summarizeState(state)}`);
      }
      await sleep(100);
    }
  }

  // --- output ---------------------------------------------------------------------------

  /** Saves a screenshot as test-results/<test-name>-<NN>-<step>.png. */
  async shot(page, step) {
    this.shots += 1;
    const file = path.join(
      RESULTS,
      `${this.slug}-${String(this.shots).padStart(2, '0')}-${slug(step)}.png`,
    );
    fs.mkdirSync(RESULTS, { recursive: true });
    try {
      await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
    } catch (error) {
      // A popup can close itself while being photographed; that is not the test's failure.
      if (!page.isClosed()) throw error;
      this.shots -= 1;
    }
    return file;
  }

  /** Everything a person needs to understand a failure. */
  async dump() {
    const parts = [`--- ${this.name}: diagnostics ---`];
    for (const [i, page] of this.pages.entries()) {
      if (page.isClosed()) {
        parts.push(`page ${i}: closed`);
        continue;
      }
      parts.push(`page ${i}: ${page.url()}`);
      await this.shot(page, `failure-page-${i}`).catch(() => {});
      const log = await page
        .locator('#event-log')
        .innerText({ timeout: 1000 })
        .catch(() => null);
      if (log !== null) parts.push(`  event log on the page:\n${indent(log || '(empty)', 4)}`);
      const statuses = await page
        .evaluate(() =>
          [...document.querySelectorAll('hire-with-remote')].map((el) => {
            const root = el.shadowRoot;
            const form = root?.querySelector('form');
            return {
              candidate: el.getAttribute('full-name'),
              state: form?.className ?? '(not mounted)',
              status: root?.querySelector('[role=status]')?.textContent ?? '',
              fields: [...(root?.querySelectorAll('.hwr-field') ?? [])].map((field) => {
                const label = field.querySelector('label')?.textContent ?? '?';
                const value = field.querySelector('input, select')?.value ?? '';
                const error = field.querySelector('.hwr-field__error:not([hidden])')?.textContent;
                return `${label}=${JSON.stringify(value)}${error ? ` (${error})` : ''}`;
              }),
            };
          }),
        )
        .catch(() => []);
      for (const s of statuses) {
        parts.push(
          `  widget ${s.candidate}: ${s.state} · "${s.status}"${s.fields.length ? ` · form: ${JSON.stringify(s.fields)}` : ''}`,
        );
      }
    }
    parts.push(`recorded events:\n${indent(this.events.map((e) => JSON.stringify(e)).join('\n') || '(none)', 2)}`);
    parts.push(`backend API calls from the browser:\n${indent(this.api.join('\n') || '(none)', 2)}`);
    const state = await this.demo.state().catch((error) => {
      parts.push(`sandbox state unavailable: ${error}`);
      return null;
    });
    parts.push(`sandbox state:\n${summarizeState(state)}`);
    const webhooks = await this.demo.webhooks().catch(() => null);
    if (webhooks) {
      const lines = webhooks.map(
        (d) =>
          `${d.received_at} ${d.webhook_id} ${d.type} ${d.data?.previous_status ?? '-'} → ${d.data?.status} · answered ${d.answered}, verified ${d.verified}`,
      );
      parts.push(`webhooks the job site received:\n${indent(lines.join('\n') || '(none)', 2)}`);
    }
    parts.push(`browser console (last 30):\n${indent(this.console.slice(-30).join('\n') || '(none)', 2)}`);
    parts.push(`demo output (last 40 lines):\n${indent(this.demo.output(40) || '(none)', 2)}`);
    return parts.join('\n');
  }
}

function indent(text, n) {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map((line) => pad + line)
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// A second origin that the backend does not allow
// ---------------------------------------------------------------------------------------------

/**
 * Serves `html` at / on a free port of 127.0.0.1 (a different origin from the job site), and
 * proxies the job site's other files (site.js, site.css). Resolves to { url, close }.
 */
export async function serveElsewhere(html, siteUrl) {
  const port = await freePort();
  const server = http.createServer(async (request, response) => {
    if (request.url === '/' || request.url.startsWith('/?')) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(html);
      return;
    }
    try {
      const upstream = await fetch(`${siteUrl}${request.url}`);
      response.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
      });
      response.end(Buffer.from(await upstream.arrayBuffer()));
    } catch {
      response.writeHead(502);
      response.end();
    }
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    // `close` alone waits for every open socket, and Chromium keeps preconnected sockets that
    // never send a request (Node drops those only after its 60 s header timeout).
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

/**
 * The leak scan: every code, access token and refresh token the sandbox issued, every consent
 * `state` and browser-binding secret, the OAuth client secret and the demo's generated secrets must appear nowhere in the
 * backend's logs, its database files, or any page or answer it served. Throws on a hit.
 */
export async function leakScan(session, demo) {
  const state = await demo.state();
  const secrets = [];
  for (const kind of ['codes', 'access_tokens', 'refresh_tokens']) {
    for (const issued of state.issued?.[kind] ?? []) {
      if (issued?.value) secrets.push([`issued ${kind}`, issued.value]);
    }
  }
  for (const value of session.consentStates) secrets.push(['consent state', value]);
  for (const value of await Promise.all(session.bindingSecrets)) {
    if (value) secrets.push(['consent binding secret', value]);
  }
  secrets.push(['client secret', 'demo-secret']);
  const generated = JSON.parse(fs.readFileSync(path.join(demo.dataDir, 'demo-secrets.json'), 'utf8'));
  secrets.push(['site secret', generated.site_secret]);
  for (const entry of String(generated.encryption_keys).split(',')) {
    secrets.push(['encryption key', entry.split(':')[1]]);
  }
  // Webhook secrets by their base64 part, which also finds them written whole.
  const webhookSecrets = [generated.webhook_secret, demo.env.HWR_WEBHOOK_SECRET];
  for (const secret of webhookSecrets.filter(Boolean)) {
    secrets.push(['webhook secret', String(secret).replace(/^whsec_/, '')]);
  }
  for (const key of [generated.server_api_key, demo.env.HWR_SERVER_API_KEY].filter(Boolean)) {
    secrets.push(['server API key', key]);
  }

  const places = [['backend log', demo.lines.join('\n')]];
  for (const file of fs.readdirSync(demo.dataDir)) {
    if (file.startsWith('demo.db')) {
      places.push([`database file ${file}`, fs.readFileSync(path.join(demo.dataDir, file)).toString('latin1')]);
    }
  }
  for (const served of await Promise.all(session.backendBodies)) {
    if (served) places.push([`backend answer ${served.url}`, served.body]);
  }

  const hits = [];
  for (const [what, secret] of secrets) {
    if (!secret || secret.length < 8) continue;
    for (const [where, text] of places) {
      if (text.includes(secret)) hits.push(`${what} found in ${where}`);
    }
  }
  if (hits.length > 0) throw new Error(`leak scan: ${hits.length} hit(s):\n${hits.join('\n')}`);
  if (secrets.length < 3) throw new Error('leak scan: too few secrets collected; the scan would prove nothing');
  return { secrets: secrets.length, places: places.length };
}
