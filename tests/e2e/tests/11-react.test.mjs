// A job site built with React 19 from the npm registry and our npm package: the element in JSX,
// its outcome through the package's hook, and the hire through the real backend and sandbox.

import assert from 'node:assert/strict';
import path from 'node:path';

import { build } from 'esbuild';

import { ROOT, scenario } from '../harness.mjs';

async function reactPage() {
  const bundled = await build({
    entryPoints: [path.join(ROOT, 'react-page/app.jsx')],
    bundle: true,
    write: false,
    format: 'esm',
    jsx: 'automatic',
    // The package is linked (file:); resolve its `react` import from here.
    preserveSymlinks: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  return bundled.outputFiles[0].text;
}

scenario('react-19', 'a React 19 page built with the npm package hires through the element', async (s) => {
  const { page, demo } = s;
  const script = await reactPage();
  const onSite = (pathname) => (url) => url.origin === demo.site && url.pathname === pathname;
  await page.route(onSite('/react'), (route) =>
    route.fulfill({
      contentType: 'text/html; charset=utf-8',
      body: '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>React job site</title></head><body><div id="root"></div><script type="module" src="/react.js"></script></body></html>',
    }),
  );
  await page.route(onSite('/react.js'), (route) =>
    route.fulfill({ contentType: 'text/javascript; charset=utf-8', body: script }),
  );

  await page.goto(`${demo.site}/react?backend=${encodeURIComponent(demo.backend)}`);
  await page.getByRole('heading', { name: 'React 19 job site' }).waitFor();
  const button = page.locator('hire-with-remote').getByRole('button', { name: 'Hire with Remote', exact: true });
  await button.waitFor();
  await page.waitForTimeout(300); // the mount-time connection check
  const popup = page.waitForEvent('popup', { timeout: 10_000 });
  await button.click();
  await s.consent(await popup, 'allow');

  const outcome = page.getByTestId('outcome');
  await outcome.filter({ hasText: 'Hired:' }).waitFor({ timeout: 20_000 });
  await s.shot(page, 'react-hired');
  const state = await demo.state();
  assert.equal(state.employments.length, 1);
  assert.equal((await outcome.textContent()).trim(), `Hired: ${state.employments[0].id}`);
  assert.equal(page.url().startsWith(`${demo.site}/react`), true, 'redirect="none": the page stays');
}, {
  // The page is handed to Chromium by the test (not fetched from a server), so Chromium counts
  // it as public and refuses its requests to the loopback backend (Local Network Access); a
  // job site on the internet calling a backend on the internet never meets that check.
  browserArgs: ['--disable-features=LocalNetworkAccessChecks'],
});
