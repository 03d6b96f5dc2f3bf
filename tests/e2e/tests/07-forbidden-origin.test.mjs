// Scenario 9: the element on a page served from an origin the backend does not allow → a clear
// error on the button and hwr:error; nothing reaches Remote.

import assert from 'node:assert/strict';

import { ANA, scenario, serveElsewhere } from '../harness.mjs';

scenario('forbidden-origin', 'element on an origin that is not allowed: error state and hwr:error, nothing sent', async (s, t) => {
  const { page, demo } = s;
  // The job site's own page (backend URL and a valid site token rendered in), served elsewhere.
  const html = await (await fetch(`${demo.site}/`)).text();
  const elsewhere = await serveElsewhere(html, demo.site);
  try {
    // What the backend answers that origin (the browser hides it: no CORS headers, by design).
    const preflight = await fetch(`${demo.backend}/api/v1/connection`, {
      method: 'OPTIONS',
      headers: {
        origin: elsewhere.url,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    assert.equal(preflight.status, 403, 'the preflight from that origin is refused');
    assert.equal(preflight.headers.get('access-control-allow-origin'), null, 'without CORS headers');
    assert.equal((await preflight.json()).error?.code, 'forbidden_origin');

    await s.gotoSite(page, `${elsewhere.url}/`);
    await s.shot(page, 'foreign-page');
    assert.ok(
      s.api.length > 0 && s.api.every((call) => / → failed: /.test(call)),
      `the browser got no usable answer from the backend: ${s.api.join(', ')}`,
    );

    const popups = [];
    page.on('popup', (p) => popups.push(p));
    await s.button(ANA).click();
    const error = await s.waitForEvent('hwr:error');
    t.diagnostic(`hwr:error ${error.detail.code}: ${error.detail.message}`);
    assert.equal(error.candidate, ANA);
    // The browser hides the 403, so the widget names the likely cause instead of a network error.
    assert.equal(error.detail.code, 'backend_unreachable');
    assert.match(error.detail.message, /HWR_ALLOWED_ORIGINS/);
    await s.widget(ANA).locator('form.hwr--error').waitFor();
    await s.status(ANA).filter({ hasText: error.detail.message }).waitFor();
    await s.retryButton(ANA).waitFor();
    await s.shot(page, 'error');

    await page.waitForTimeout(300);
    if (popups.length > 0) {
      // A click while the page's background re-check is still in flight opens the window
      // synchronously (as every click must), and closes it when the check fails.
      t.diagnostic(`${popups.length} blank window(s) opened and closed again on the way to the error`);
    }
    assert.ok(popups.every((p) => p.isClosed()), 'no consent window left open');
    assert.equal(page.url(), `${elsewhere.url}/`, 'no navigation');
    assert.equal(s.eventsOf('hwr:success').length, 0);
    assert.ok(
      s.api.every((call) => / → failed: /.test(call)),
      `the backend answered nothing usable: ${s.api.join(', ')}`,
    );
    const state = await demo.state();
    assert.equal(state.employment_posts, 0);
    assert.equal(state.token_requests.authorization_code, 0);
    assert.equal(state.issued.codes.length, 0, 'no consent was given');
  } finally {
    await elsewhere.close();
  }
});
