// Small helpers shared by the scenario files (not a test file: the runner only picks *.test.mjs).

/** A start date `days` ahead of today, as YYYY-MM-DD (local time, as the date input uses). */
export function startDateAhead(days) {
  const date = new Date(Date.now() + days * 24 * 3600 * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Resolves once `page` is closed (at once when it already is). */
export function waitClosed(page, timeout = 15_000) {
  if (page.isClosed()) return Promise.resolve();
  return page.waitForEvent('close', { timeout });
}

/**
 * Fills Jonas's inline form: the country from the <select> of hireable countries (once loaded),
 * the start date in the date input.
 */
export async function fillJonas(s, country, startDate, page = s.page) {
  const widget = s.widget('Jonas Becker', page);
  const select = widget.locator('select[name="country_code"]');
  await select.waitFor({ timeout: 10_000 });
  await select.selectOption(country);
  await widget.getByLabel('Start date', { exact: true }).fill(startDate);
}

/**
 * Resolves to the first of several outcomes: `{ name, value }` for whichever promise settles
 * successfully first; rejected ones are ignored unless all reject.
 */
export function firstOf(entries) {
  return Promise.any(
    Object.entries(entries).map(([name, promise]) => promise.then((value) => ({ name, value }))),
  );
}

/**
 * Records, in order, every request `page` sends to `origin`'s `/api/` as
 * `"GET /api/v1/hires?email=…"` (counted at the network, as the browser sends them), and those
 * that got no answer at all in `failed`. Requests of other pages (a popup) are not included.
 */
export function recordApiCalls(page, origin) {
  const calls = [];
  calls.failed = [];
  const line = (request) => {
    const url = new URL(request.url());
    if (url.origin !== origin || !url.pathname.startsWith('/api/')) return null;
    return `${request.method()} ${url.pathname}${url.search}`;
  };
  page.on('request', (request) => {
    const call = line(request);
    if (call) calls.push(call);
  });
  page.on('requestfailed', (request) => {
    const call = line(request);
    if (call) calls.failed.push(call);
  });
  return calls;
}

/** The recorded calls to `call` (`"GET /api/v1/hires"`), with or without a query. */
export function callsTo(calls, call) {
  return calls.filter((c) => c === call || c.startsWith(`${call}?`));
}

/** Resolves once `calls` holds a call to `call` (`"GET /api/v1/connection"`). */
export async function untilCalled(calls, call, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  while (callsTo(calls, call).length === 0) {
    if (Date.now() > deadline) throw new Error(`no ${call} within ${timeout} ms: ${calls.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Resolves once `calls` has not grown for `quietMs` (longer than any batch window or timer of
 * the widget), so that counting afterwards counts everything the page was going to send.
 */
export async function untilQuiet(calls, quietMs = 1_000, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  let seen = calls.length;
  let since = Date.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (calls.length !== seen) {
      seen = calls.length;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return;
    }
    if (Date.now() > deadline) throw new Error(`the page kept sending requests: ${calls.join(', ')}`);
  }
}

/**
 * A job-site page of our own with one `<hire-with-remote>` per candidate (an object of its
 * attributes), opened in `page` on the demo job site's origin, so the backend allows it: the
 * widget's script, the backend and the sandbox stay the real ones. `scriptFrom` is where the
 * widget's script comes from (default: `backend`).
 *
 * The page is built inside a document the job site itself served (its 404 page, which sets no
 * CSP), not fulfilled by Playwright: a fulfilled page has no address space, and Chromium's local
 * network access checks then refuse its requests to the backend on 127.0.0.1.
 */
export async function openCandidatesPage(
  page,
  siteUrl,
  { backend, token, candidates, scriptFrom = backend },
) {
  const response = await page.goto(`${siteUrl}/e2e-candidates`);
  if (response?.status() !== 404) {
    throw new Error(`expected the job site's 404 page, got ${response?.status()}`);
  }
  await page.evaluate(
    ({ widgets, script }) => {
      document.documentElement.replaceChildren(
        document.createElement('head'),
        document.createElement('body'),
      );
      document.title = 'Candidates';
      const list = document.createElement('ol');
      list.id = 'candidates';
      for (const attributes of widgets) {
        const element = document.createElement('hire-with-remote');
        for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
        const item = document.createElement('li');
        item.append(element);
        list.append(item);
      }
      document.body.append(list);
      const loader = document.createElement('script');
      loader.type = 'module';
      loader.src = script;
      document.head.append(loader);
    },
    {
      widgets: candidates.map((attributes) => ({ backend, token, ...attributes })),
      script: `${scriptFrom}/widget/v1/hire-with-remote.js`,
    },
  );
}
