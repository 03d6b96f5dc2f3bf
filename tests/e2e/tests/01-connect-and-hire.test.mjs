// Scenarios 1 and 2: the first hire goes through the consent popup; the second candidate, with
// the employer already connected, goes straight to onboarding (after the inline form).

import assert from 'node:assert/strict';

import { ANA, JONAS, scenario } from '../harness.mjs';
import { fillJonas, startDateAhead, waitClosed } from './support.mjs';

scenario('first-hire', 'first hire: consent popup, Allow, onboarding lists the candidate', async (s) => {
  const { page, demo } = s;
  await s.gotoSite();
  await s.shot(page, 'job-site');
  assert.equal((await demo.state()).employment_posts, 0);

  const popup = await s.clickForPopup(ANA);
  await s.status(ANA).filter({ hasText: 'Waiting for your permission' }).waitFor();
  await s.shot(page, 'connecting');
  const closed = waitClosed(popup);
  await s.consent(popup, 'allow');
  await popup
    .waitForURL((url) => url.pathname === '/oauth/callback', { timeout: 5_000 })
    .then(() => s.shot(popup, 'callback'))
    .catch(() => {});
  await closed; // the callback page closes itself (or the widget closes it)

  await s.expectOnboarding([ANA]);
  const success = await s.waitForEvent('hwr:success');
  const state = await demo.state();

  assert.equal(state.employments.length, 1, 'exactly one employment');
  assert.equal(state.employment_posts, 1, 'exactly one POST /v1/employments');
  assert.equal(state.token_requests.authorization_code, 1, 'one code exchange');
  assert.ok(
    !s.api.some((call) => call.startsWith('POST /api/v1/hires')),
    `the callback hired: the flow's status brought the hire, no POST /api/v1/hires: ${s.api.join(', ')}`,
  );
  const [employment] = state.employments;
  assert.equal(employment.full_name, ANA);
  assert.equal(employment.country_code, 'PRT');
  assert.equal(employment.personal_email, 'ana@example.com');
  assert.equal(employment.job_title, 'Backend Engineer');
  assert.equal(employment.provisional_start_date, '2027-03-01');

  assert.equal(success.candidate, ANA);
  assert.equal(typeof success.detail.hire_id, 'string');
  assert.ok(success.detail.hire_id.length > 0, 'hwr:success carries a hire_id');
  assert.equal(success.detail.employment_id, employment.id, 'hwr:success carries the employment id');
  assert.ok(
    success.detail.redirect_url.startsWith(`${demo.sandbox}/onboarding/`),
    `redirect_url points at onboarding: ${success.detail.redirect_url}`,
  );
  assert.equal(page.url(), success.detail.redirect_url, 'the top window followed redirect_url');
  assert.equal(s.eventsOf('hwr:error').length, 0, 'no hwr:error');
  assert.equal(s.eventsOf('hwr:exit').length, 0, 'no hwr:exit');

  // The callback page told the opener, from the backend's origin.
  const messages = s.eventsOf('message');
  assert.ok(
    messages.some((m) => m.origin === demo.backend && m.detail.status === 'connected'),
    `the callback page posted {type:"hwr:flow", status:"connected"}: ${JSON.stringify(messages)}`,
  );
  const connection = await demo.connection();
  assert.equal(connection.body?.status, 'connected');
});

scenario('second-candidate', 'second candidate, already connected: inline form, no popup, straight to onboarding', async (s) => {
  const { page, demo } = s;
  await s.gotoSite();
  const popup = await s.clickForPopup(ANA);
  await s.consent(popup, 'allow');
  await s.expectOnboarding([ANA], page, 'first-onboarding');
  const before = await demo.state();
  assert.equal(before.employments.length, 1);

  await s.gotoSite();
  const popups = [];
  page.on('popup', (p) => popups.push(p));

  // Jonas has no country and no start date: the widget asks before sending anything.
  await s.button(JONAS).click();
  const widget = s.widget(JONAS);
  await widget.getByLabel('Country', { exact: true }).waitFor();
  await widget.getByLabel('Start date', { exact: true }).waitFor();
  assert.equal(await widget.getByLabel('Full name', { exact: true }).count(), 0, 'only the missing fields are asked for');
  assert.equal(await widget.getByLabel('Personal email', { exact: true }).count(), 0);
  await s.shot(page, 'jonas-form');
  assert.equal((await demo.state()).employment_posts, before.employment_posts, 'nothing sent yet');

  const startDate = startDateAhead(90);
  await fillJonas(s, 'DE', startDate);
  await s.shot(page, 'jonas-form-filled');
  await s.button(JONAS).click();

  await s.expectOnboarding([ANA, JONAS]);
  const after = await demo.state();
  assert.equal(popups.length, 0, 'no popup when already connected');
  assert.equal(after.employment_posts, before.employment_posts + 1, 'exactly one more POST /v1/employments');
  assert.equal(after.employments.length, 2);
  const jonas = after.employments.find((e) => e.full_name === JONAS);
  assert.ok(jonas, 'an employment for Jonas');
  assert.equal(jonas.country_code, 'DEU');
  assert.equal(jonas.provisional_start_date, startDate);
  assert.equal(after.token_requests.authorization_code, 1, 'no second consent');
  const success = await s.waitForEvent('hwr:success', (e) => e.candidate === JONAS);
  assert.equal(success.detail.employment_id, jonas.id);
});
