// Consent is bound to the browser that asked for it: a consent link forwarded to someone else
// (an admin of another company) and allowed in their browser connects nothing, hires nothing and
// exchanges no code; that browser is told to go back to the job site, and the employer's widget
// reports `consent_elsewhere`.

import assert from 'node:assert/strict';

import { ANA, scenario } from '../harness.mjs';

scenario('consent-elsewhere', 'a consent link allowed in another browser connects nothing, hires nothing, exchanges no code', async (s) => {
  const { page, demo } = s;
  await s.gotoSite();
  const popup = await s.clickForPopup(ANA);
  await popup.waitForURL((url) => url.pathname === '/auth/oauth2/authorize', { timeout: 10_000 });
  const forwarded = popup.url();

  // Another browser: a context of its own, so none of the employer's cookies.
  const elsewhere = await s.browser.newContext();
  try {
    const admin = await elsewhere.newPage();
    await admin.goto(forwarded);
    await s.consent(admin, 'allow', 'consent-elsewhere');
    await admin.waitForURL((url) => url.origin === demo.backend && url.pathname === '/oauth/callback');
    await admin.getByRole('heading', { name: 'Started in another browser' }).waitFor();
    const said = await admin.locator('main p').innerText();
    assert.match(said, /started in another browser/);
    assert.match(said, /click “Hire with Remote”/);
    await s.shot(admin, 'callback-elsewhere');
  } finally {
    await elsewhere.close();
  }

  const error = await s.waitForEvent('hwr:error');
  assert.equal(error.candidate, ANA);
  assert.equal(error.detail.code, 'consent_elsewhere');
  await s.status(ANA).filter({ hasText: 'another browser' }).waitFor();
  await s.shot(page, 'widget-after-elsewhere');
  const state = await demo.state();
  assert.equal(state.token_requests.authorization_code, 0, 'no code was exchanged');
  assert.equal(state.employment_posts, 0, 'no POST /v1/employments');
  assert.equal(state.employments.length, 0, 'no employment');
  assert.equal(s.eventsOf('hwr:success').length, 0);

  // The employer can still connect from their own browser.
  const again = page.waitForEvent('popup', { timeout: 10_000 });
  await s.retryButton(ANA).click();
  await s.consent(await again, 'allow', 'consent-own-browser');
  await s.expectOnboarding([ANA]);
  assert.equal((await demo.state()).employments.length, 1);
});
