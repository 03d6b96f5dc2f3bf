// Scenarios 4 and 5: no popup at all (blocked) → consent in this window, the backend completes
// the hire; window.opener cut on the callback page → the widget's polling completes the hire.

import assert from 'node:assert/strict';

import { ANA, scenario } from '../harness.mjs';
import { waitClosed } from './support.mjs';

scenario('popup-blocked', 'popups blocked: redirect mode, consent in this window, onboarding, one employment', async (s) => {
  const { page, demo, context } = s;
  await page.addInitScript(() => {
    window.open = () => null; // what a blocked window.open returns
  });
  const pages = [];
  context.on('page', (p) => pages.push(p));
  await s.gotoSite();
  await s.button(ANA).click();

  await s.consent(page, 'allow', 'consent-in-this-window');
  await s.expectOnboarding([ANA]);

  assert.equal(pages.length, 0, 'no other window was opened');
  const state = await demo.state();
  assert.equal(state.employments.length, 1, 'exactly one employment');
  assert.equal(state.employment_posts, 1);
  assert.equal(state.employments[0].full_name, ANA);
  assert.equal(state.token_requests.authorization_code, 1);
  assert.equal((await demo.connection()).body?.status, 'connected');
});

scenario('opener-cut', 'window.opener cut on the callback page: polling completes the hire', async (s) => {
  const { page, demo, context } = s;
  await context.addInitScript(() => {
    if (location.pathname === '/oauth/callback') {
      Object.defineProperty(window, 'opener', { value: null, configurable: true });
    }
  });
  await s.gotoSite();
  const popup = await s.clickForPopup(ANA);
  const closed = waitClosed(popup);
  await s.consent(popup, 'allow');
  await closed;

  await s.expectOnboarding([ANA]);
  const success = await s.waitForEvent('hwr:success');
  assert.equal(s.eventsOf('message').length, 0, 'no postMessage reached the job site');
  const state = await demo.state();
  assert.equal(state.employments.length, 1, 'exactly one employment');
  assert.equal(state.employment_posts, 1);
  assert.equal(success.detail.employment_id, state.employments[0].id);
});
