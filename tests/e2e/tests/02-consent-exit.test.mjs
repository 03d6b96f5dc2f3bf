// Scenario 3: the employer says no, or closes the consent popup → hwr:exit, the button is usable
// again, and nothing reached Remote.

import assert from 'node:assert/strict';

import { ANA, scenario } from '../harness.mjs';
import { waitClosed } from './support.mjs';

async function assertNothingSent(s) {
  assert.ok(
    !s.api.some((call) => call.startsWith('POST /api/v1/hires')),
    `no hire was sent to the backend: ${s.api.join(', ')}`,
  );
  const state = await s.demo.state();
  assert.equal(state.employment_posts, 0, 'no POST /v1/employments');
  assert.equal(state.employments.length, 0, 'no employment');
  assert.equal(state.token_requests.authorization_code, 0, 'no code exchanged');
}

scenario('consent-denied', 'consent denied: hwr:exit, button usable again, nothing sent', async (s) => {
  const { page, demo } = s;
  await s.gotoSite();
  const popup = await s.clickForPopup(ANA);
  const closed = waitClosed(popup);
  await s.consent(popup, 'deny');

  const exit = await s.waitForEvent('hwr:exit');
  assert.equal(exit.candidate, ANA);
  await closed;
  await s.status(ANA).filter({ hasText: 'Permission was not given' }).waitFor();
  assert.equal(await s.button(ANA).getAttribute('aria-disabled'), 'false', 'the button is usable again');
  await s.shot(page, 'denied');
  assert.equal(s.eventsOf('hwr:success').length, 0);
  assert.equal(s.eventsOf('hwr:error').length, 0);
  assert.equal(page.url(), `${demo.site}/`, 'still on the job site');
  await assertNothingSent(s);
  assert.equal(await page.locator('#event-log li').count(), 1, 'the site logged one event');

  // Usable again: a second click opens consent again, and Allow completes the hire.
  const again = await s.clickForPopup(ANA);
  await s.consent(again, 'allow', 'consent-again');
  await s.expectOnboarding([ANA]);
  const state = await demo.state();
  assert.equal(state.employments.length, 1);
  assert.equal(state.employment_posts, 1);
});

scenario('popup-closed', 'consent popup closed by the person: hwr:exit, button usable again, nothing sent', async (s) => {
  const { page, demo } = s;
  await s.gotoSite();
  const popup = await s.clickForPopup(ANA);
  await popup.waitForURL((url) => url.pathname === '/auth/oauth2/authorize');
  await s.shot(popup, 'consent-page');
  await popup.close();

  const exit = await s.waitForEvent('hwr:exit');
  assert.equal(exit.candidate, ANA);
  await s.status(ANA).filter({ hasText: 'was closed' }).waitFor();
  assert.equal(await s.button(ANA).getAttribute('aria-disabled'), 'false', 'the button is usable again');
  await s.shot(page, 'popup-closed');
  assert.equal(s.eventsOf('hwr:success').length, 0);
  assert.equal(s.eventsOf('hwr:error').length, 0);
  await assertNothingSent(s);

  // Usable again: the next click opens a fresh consent popup.
  const again = await s.clickForPopup(ANA);
  await again.waitForURL((url) => url.pathname === '/auth/oauth2/authorize');
  await s.shot(again, 'consent-again');
  await assertNothingSent(s);
});
