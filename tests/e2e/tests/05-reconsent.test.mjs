// Scenario 7: consent revoked at Remote after a first hire → the next click runs consent again
// and the hire completes, with exactly one new employment.

import assert from 'node:assert/strict';

import { ANA, JONAS, scenario } from '../harness.mjs';
import { fillJonas, firstOf, startDateAhead } from './support.mjs';

scenario('reconsent', 'consent revoked at Remote: re-consent popup, Allow, the hire completes once', async (s, t) => {
  const { page, demo } = s;
  await s.gotoSite();
  const popup = await s.clickForPopup(ANA);
  await s.consent(popup, 'allow');
  await s.expectOnboarding([ANA], page, 'first-onboarding');

  await demo.revoke({});
  const before = await demo.state();
  assert.equal(before.employments.length, 1);

  await s.gotoSite();
  await s.button(JONAS).click(); // shows the form
  await fillJonas(s, 'PT', startDateAhead(45));
  const clicked = s.button(JONAS).click();
  const first = await firstOf({
    popup: page.waitForEvent('popup', { timeout: 20_000 }),
    notice: s.status(JONAS).filter({ hasText: 'needs your permission again' }).waitFor({ timeout: 20_000 }),
  });
  await clicked;
  let again;
  if (first.name === 'popup') {
    again = first.value;
  } else {
    // The browser refused a popup outside the click: the widget asks for one more click.
    t.diagnostic('re-consent needed a second click');
    await s.shot(page, 'reconsent-notice');
    again = await s.clickForPopup(JONAS);
  }
  await s.consent(again, 'allow', 'reconsent');
  await s.expectOnboarding([ANA, JONAS]);

  const after = await demo.state();
  assert.equal(after.employments.length, before.employments.length + 1, 'exactly one new employment');
  assert.equal(after.employments.filter((e) => e.full_name === JONAS).length, 1);
  assert.equal(after.token_requests.authorization_code, 2, 'a second code exchange');
  assert.equal(s.eventsOf('hwr:error').length, 0, 'no hwr:error on the way');
  const success = await s.waitForEvent('hwr:success', (e) => e.candidate === JONAS);
  assert.equal(success.detail.employment_id, after.employments.find((e) => e.full_name === JONAS).id);
});
