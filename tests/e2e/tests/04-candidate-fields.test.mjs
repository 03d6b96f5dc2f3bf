// Scenario 6: missing fields are asked for in the inline form before anything is sent; an
// unsupported country gets a clear message and nothing is posted to Remote.

import assert from 'node:assert/strict';

import { JONAS, KIM, scenario } from '../harness.mjs';
import { fillJonas, startDateAhead } from './support.mjs';

scenario('missing-fields', 'missing fields: inline form first, nothing sent, then consent and the hire completes', async (s) => {
  const { page, demo } = s;
  await s.gotoSite();
  const popups = [];
  page.on('popup', (p) => popups.push(p));

  await s.button(JONAS).click();
  const widget = s.widget(JONAS);
  await widget.getByLabel('Country', { exact: true }).waitFor();
  await widget.getByLabel('Start date', { exact: true }).waitFor();
  await s.shot(page, 'form');

  // Pressing again with the form still empty: the fields say what is wrong, nothing is sent.
  await s.button(JONAS).click();
  await widget.getByText('Required.').first().waitFor();
  assert.ok((await widget.getByText('Required.').count()) >= 2, 'both missing fields are marked');
  await s.shot(page, 'form-errors');
  assert.equal(popups.length, 0, 'no consent popup while fields are missing');
  assert.ok(!s.api.some((call) => call.startsWith('POST')), `no POST to the backend: ${s.api.join(', ')}`);
  let state = await demo.state();
  assert.equal(state.employment_posts, 0);
  assert.equal(state.token_requests.authorization_code, 0);

  const startDate = startDateAhead(60);
  await fillJonas(s, 'DE', startDate);
  const popup = await s.clickForPopup(JONAS);
  await s.consent(popup, 'allow');
  await s.expectOnboarding([JONAS]);

  state = await demo.state();
  assert.equal(state.employments.length, 1);
  assert.equal(state.employment_posts, 1);
  assert.equal(state.employments[0].full_name, JONAS);
  assert.equal(state.employments[0].country_code, 'DEU');
  assert.equal(state.employments[0].provisional_start_date, startDate);
});

scenario('unsupported-country', 'unsupported country (North Korea): a clear message, zero employment POSTs', async (s, t) => {
  const { page, demo } = s;
  await s.gotoSite();
  // The page loads Remote's hireable countries once; with the list there, the click alone can
  // tell: no consent window, nothing sent.
  const deadline = Date.now() + 15_000;
  while (!s.api.some((call) => call.startsWith('GET /api/v1/countries → 200'))) {
    assert.ok(Date.now() < deadline, `the country list was not loaded: ${s.api.join(', ')}`);
    await page.waitForTimeout(50);
  }
  const popups = [];
  page.on('popup', (popup) => popups.push(popup));
  await s.button(KIM).click();

  const error = await s.waitForEvent('hwr:error');
  assert.equal(error.candidate, KIM);
  assert.equal(error.detail.code, 'unsupported_country');
  assert.match(error.detail.message, /North Korea/);
  const status = s.status(KIM);
  await status.filter({ hasText: /cannot hire in North Korea/i }).waitFor();
  await s.shot(page, 'unsupported-country');

  assert.equal(page.url(), `${demo.site}/`, 'still on the job site');
  assert.equal(s.eventsOf('hwr:success').length, 0);
  const state = await demo.state();
  assert.equal(state.employment_posts, 0, 'zero POST /v1/employments');
  assert.equal(state.employments.length, 0);
  assert.equal(popups.length, 0, 'no consent window for a country Remote cannot hire in');
  assert.equal(state.token_requests.authorization_code, 0, 'no consent asked for');
  const log = await page.locator('#event-log').innerText();
  assert.match(log, /unsupported_country/, 'the job site logged the error');
});

scenario('form-layout', 'the inline form fits inside the element, on a wide and on a phone-sized page', async (s) => {
  const { page } = s;
  await s.gotoSite();
  await s.button(JONAS).click();
  const widget = s.widget(JONAS);
  const fieldset = widget.locator('fieldset');
  await widget.locator('select[name="country_code"]').waitFor();
  for (const width of [1100, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(100);
    await s.shot(page, `form-${width}px`);
    const host = await widget.boundingBox();
    const form = await fieldset.boundingBox();
    assert.ok(
      form.x >= host.x - 0.5 && form.x + form.width <= host.x + host.width + 0.5,
      `at ${width} px the form (x ${form.x.toFixed(1)} to ${(form.x + form.width).toFixed(1)}) ` +
        `sticks out of <hire-with-remote> (x ${host.x.toFixed(1)} to ${(host.x + host.width).toFixed(1)})`,
    );
  }
});
