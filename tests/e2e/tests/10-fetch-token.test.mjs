// A site token that expires while the page is open: the backend answers 401, the widget asks
// the page's `fetchToken` for a fresh one, retries once, and the hire goes through.

import assert from 'node:assert/strict';

import { ANA, scenario } from '../harness.mjs';

scenario('fetch-token', 'a site token that expires on an open page is renewed through fetchToken and the hire completes', async (s) => {
  const { page, demo } = s;
  await s.gotoSite();
  const renewals = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/demo/token') renewals.push(request.url());
  });

  // The page was left open: its token expired (ten minutes ago, past any clock leeway).
  const expired = await (await fetch(`${demo.site}/demo/token?expired=true`)).json();
  await page.evaluate((token) => {
    for (const element of document.querySelectorAll('hire-with-remote')) {
      element.setAttribute('token', token);
    }
  }, expired.token);

  const popup = await s.clickForPopup(ANA);
  await s.consent(popup, 'allow');
  await s.expectOnboarding([ANA]);

  assert.ok(
    s.api.some((call) => call.endsWith('→ 401')),
    `the backend refused the expired token: ${s.api.join(', ')}`,
  );
  assert.ok(renewals.length >= 1, 'the widget asked the page for a fresh token');
  assert.equal(s.eventsOf('hwr:error').length, 0, 'no error reached the page');
  await s.waitForEvent('hwr:success');
  const state = await demo.state();
  assert.equal(state.employments.length, 1);
});
