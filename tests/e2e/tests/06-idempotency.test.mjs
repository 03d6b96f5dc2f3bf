// Scenario 8: a double click, a lost answer retried by the person, and an upstream failure
// after Remote created the employment: always exactly one employment per hire.

import assert from 'node:assert/strict';

import { ANA, JONAS, scenario } from '../harness.mjs';
import { fillJonas, firstOf, startDateAhead } from './support.mjs';

scenario('double-click', 'double click: one popup, one hire, one employment', async (s) => {
  const { page, demo } = s;
  await s.gotoSite();
  const popups = [];
  page.on('popup', (p) => popups.push(p));
  const hireKeys = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url() === `${demo.backend}/api/v1/hires`) {
      hireKeys.push(request.headers()['idempotency-key']);
    }
  });

  // Not connected: a double click opens one consent popup.
  const popup = await s.clickForPopup(ANA, page, { dblclick: true });
  await s.consent(popup, 'allow');
  await s.expectOnboarding([ANA], page, 'first-onboarding');
  assert.equal(popups.length, 1, 'one consent popup');
  let state = await demo.state();
  assert.equal(state.employments.length, 1, 'one employment after the first double click');
  assert.equal(state.employment_posts, 1);
  assert.equal(hireKeys.length, 0, 'the callback hired: no POST /api/v1/hires after consent');

  // Connected: a double click sends one hire. (Another candidate: Remote refuses a second
  // employment with the same personal email, as it should.)
  await s.gotoSite();
  await s.button(JONAS).click(); // shows the form for the missing fields
  await fillJonas(s, 'DE', startDateAhead(30));
  await s.button(JONAS).dblclick();
  await s.expectOnboarding([ANA, JONAS]);
  state = await demo.state();
  assert.equal(state.employments.length, 2, 'one more employment after the second double click');
  assert.equal(state.employment_posts, 2);
  assert.equal(hireKeys.length, 1, `one POST /api/v1/hires: ${JSON.stringify(hireKeys)}`);
  assert.equal(popups.length, 1, 'no popup when connected');
});

scenario('lost-answer', 'lost answer: the retry reuses the idempotency key, one employment', async (s) => {
  const { page, demo } = s;
  // Connected first (Ana, hired at the callback), so that Jonas's hire is a POST /api/v1/hires.
  await s.gotoSite();
  const popup = await s.clickForPopup(ANA);
  await s.consent(popup, 'allow');
  await s.expectOnboarding([ANA], page, 'first-onboarding');

  const attempts = [];
  let firstAnswer = null;
  await page.route(`${demo.backend}/api/v1/hires`, async (route) => {
    const request = route.request();
    if (request.method() !== 'POST') return route.continue();
    attempts.push(request.headers()['idempotency-key']);
    if (attempts.length > 1) return route.continue();
    // The hire reaches the backend, but its answer never reaches the browser.
    const response = await route.fetch();
    firstAnswer = { status: response.status(), body: await response.json().catch(() => null) };
    return route.abort('connectionreset');
  });
  await s.gotoSite();
  await s.button(JONAS).click(); // shows the form for the missing fields
  await fillJonas(s, 'DE', startDateAhead(30));
  await s.button(JONAS).click();

  const error = await s.waitForEvent('hwr:error');
  assert.equal(error.detail.code, 'network_error');
  await s.retryButton(JONAS).waitFor();
  await s.shot(page, 'error-with-retry');
  assert.equal(firstAnswer?.status, 201, `the first attempt created the hire: ${JSON.stringify(firstAnswer)}`);
  let state = await demo.state();
  assert.equal(state.employments.length, 2);

  await s.retryButton(JONAS).click();
  await s.expectOnboarding([ANA, JONAS]);
  const success = await s.waitForEvent('hwr:success', (e) => e.candidate === JONAS);

  assert.equal(attempts.length, 2, 'one retry');
  assert.ok(attempts[0], 'the request carried an Idempotency-Key');
  assert.equal(attempts[1], attempts[0], 'the retry reused the Idempotency-Key');
  assert.equal(success.detail.hire_id, firstAnswer.body.hire_id, 'the retry answered the same hire');
  assert.equal(success.detail.employment_id, firstAnswer.body.employment_id);
  state = await demo.state();
  assert.equal(state.employments.length, 2, 'still exactly one employment for Jonas');
  assert.equal(state.employment_posts, 2, 'the replay did not post again');
});

scenario('create-then-fail', 'Remote fails after creating the employment: retry, still one employment', async (s, t) => {
  const { page, demo } = s;
  await demo.fault({ route: 'POST /v1/employments', create_then_fail: true, count: 1 });
  await s.gotoSite();
  const popup = await s.clickForPopup(ANA);
  await s.consent(popup, 'allow');

  const first = await firstOf({
    success: s.waitForEvent('hwr:success', () => true, 30_000),
    error: s.waitForEvent('hwr:error', () => true, 30_000),
  });
  if (first.name === 'error') {
    t.diagnostic(`first attempt: hwr:error ${first.value.detail.code}: ${first.value.detail.message}`);
    await s.retryButton(ANA).waitFor();
    await s.shot(page, 'error-with-retry');
    await s.retryButton(ANA).click();
  } else {
    t.diagnostic('the backend recovered by itself');
  }
  await s.expectOnboarding([ANA]);
  await s.waitForEvent('hwr:success');
  const state = await demo.state();
  t.diagnostic(`employment_posts=${state.employment_posts}`);
  assert.equal(state.employments.length, 1, 'still exactly one employment');
  assert.equal(state.employments[0].full_name, ANA);
});
