// Scenario 14: one page, many buttons, against the real backend and sandbox. What the widgets of
// a page share (one connection check, one country list, once connected one hire lookup and one
// country form per country) and what a click checks before it opens a consent window (the
// country, and whether the backend answered at all), counted at the network: every request the
// page sends to the backend, as Chromium sends it. Also what the page's hire lookup shows: the
// hired candidate's status beside "Open in Remote", and opening that hire again.
//
// The pages are our own (six candidates and more), on the demo job site's origin, so the backend
// allows them; the widget's script, the backend and the sandbox are the real ones.

import assert from 'node:assert/strict';

import { ANA, freePort, scenario } from '../harness.mjs';
import {
  callsTo,
  openCandidatesPage,
  recordApiCalls,
  startDateAhead,
  untilCalled,
  untilQuiet,
} from './support.mjs';

const START = startDateAhead(60);

/** A complete candidate (attributes of the element); `redirect="none"` keeps the page. */
function candidate(name, email, country) {
  return {
    'full-name': name,
    'job-title': 'Engineer',
    'personal-email': email,
    'provisional-start-date': START,
    'country-code': country,
    redirect: 'none',
  };
}

/**
 * A new tab whose API calls to `backend` are recorded; `open()` writes `candidates` into it (see
 * `openCandidatesPage`).
 */
async function candidatesPage(s, candidates, { backend = s.demo.backend } = {}) {
  const page = await s.context.newPage();
  const calls = recordApiCalls(page, backend);
  const token = await s.demo.token();
  const open = () =>
    openCandidatesPage(page, s.demo.site, { backend, scriptFrom: s.demo.backend, token, candidates });
  return { page, calls, open, token };
}

/**
 * Every widget on `page` shows its button, and the widget's code has asked for the connection
 * (the loader draws the buttons before the code arrives; the code makes every request).
 */
async function buttonsShown(s, page, names, calls) {
  for (const name of names) {
    await s.widget(name, page).getByRole('button').first().waitFor({ timeout: 15_000 });
  }
  await untilCalled(calls, 'GET /api/v1/connection');
}

function popupsOf(page) {
  const popups = [];
  page.on('popup', (popup) => popups.push(popup));
  return popups;
}

scenario(
  'one-page-not-connected',
  'six buttons on a page that is not connected send one connection check and one country list, and nothing else',
  async (s) => {
    const { page, calls, open } = await candidatesPage(s, [
      candidate(ANA, 'ana@example.com', 'PT'),
      candidate('Bruno Costa', 'bruno@example.com', 'prt'),
      candidate('Carla Braun', 'carla@example.com', 'DE'),
      candidate('Dirk Weber', 'dirk@example.com', 'DEU'),
      { 'full-name': 'Jonas Becker', 'job-title': 'Data Scientist', 'personal-email': 'jonas@example.com' },
      candidate('Kim Hye-jin', 'hyejin@example.com', 'KP'),
    ]);
    const names = [ANA, 'Bruno Costa', 'Carla Braun', 'Dirk Weber', 'Jonas Becker', 'Kim Hye-jin'];

    await open();
    await buttonsShown(s, page, names, calls);
    await untilQuiet(calls);

    assert.deepEqual(
      [...calls].sort(),
      ['GET /api/v1/connection', 'GET /api/v1/countries'],
      `one connection check and one country list for six buttons: ${calls.join(', ')}`,
    );

    // Jonas's form asks for his country from the list the page already has.
    await s.button('Jonas Becker', page).click();
    const select = s.widget('Jonas Becker', page).locator('select[name="country_code"]');
    await select.locator('option[value="PT"]').waitFor({ state: 'attached', timeout: 10_000 });
    await untilQuiet(calls);
    await s.shot(page, 'six-buttons');

    assert.deepEqual(
      [...calls].sort(),
      ['GET /api/v1/connection', 'GET /api/v1/countries'],
      `the form used the page's list: ${calls.join(', ')}`,
    );
  },
);

scenario(
  'one-page-connected',
  'a connected page with six buttons sends one connection check, one country list and one hire lookup for its valid emails; widgets added later ask only for their new emails; clicks read one form per country',
  async (s) => {
    // Arrange: the employer consents on the demo job site, which hires Ana.
    await s.gotoSite();
    const consent = await s.clickForPopup(ANA);
    await s.consent(consent, 'allow');
    await s.expectOnboarding([ANA]);

    const { page, calls, open, token } = await candidatesPage(s, [
      candidate(ANA, 'ana@example.com', 'PT'),
      candidate('Bruno Costa', 'bruno@example.com', 'PT'),
      candidate('Carla Braun', 'Carla@Example.com', 'DE'),
      candidate('Dirk Weber', 'dirk@example.com', 'DE'),
      candidate('Fay Moreau', 'fay@@example', 'PT'),
      candidate('Erin Walsh', 'erin@example.com', 'PT'),
    ]);

    // Act: the page loads.
    await open();
    await s.openButton(ANA, page).waitFor({ timeout: 15_000 });
    await untilQuiet(calls);
    await s.shot(page, 'six-connected');

    // Assert: what six buttons sent, counted at the network.
    const seen = calls.join(', ');
    assert.equal(callsTo(calls, 'GET /api/v1/connection').length, 1, seen);
    assert.equal(callsTo(calls, 'GET /api/v1/countries').length, 1, seen);
    const lookups = callsTo(calls, 'GET /api/v1/hires');
    assert.equal(lookups.length, 1, `one hire lookup for the page: ${seen}`);
    const asked = new URLSearchParams(lookups[0].split('?')[1]).getAll('email');
    assert.deepEqual(
      asked.sort(),
      ['Carla@Example.com', 'ana@example.com', 'bruno@example.com', 'dirk@example.com', 'erin@example.com'],
      'every valid email once, and not fay@@example',
    );
    assert.equal(calls.length, 3, `nothing else: ${seen}`);
    for (const name of ['Bruno Costa', 'Carla Braun', 'Dirk Weber', 'Fay Moreau', 'Erin Walsh']) {
      await s.button(name, page).waitFor();
    }

    // Act: two more widgets, one for Ana again (another case), one for Gil.
    await page.evaluate(
      ({ backend, token, widgets }) => {
        for (const attributes of widgets) {
          const element = document.createElement('hire-with-remote');
          for (const [name, value] of Object.entries({ backend, token, ...attributes })) {
            element.setAttribute(name, value);
          }
          document.getElementById('candidates').append(element);
        }
      },
      {
        backend: s.demo.backend,
        token,
        widgets: [candidate('Ana Again', 'ANA@example.com', 'PT'), candidate('Gil Santos', 'gil@example.com', 'PT')],
      },
    );
    await s.openButton('Ana Again', page).waitFor({ timeout: 10_000 });
    await s.button('Gil Santos', page).waitFor();
    await untilQuiet(calls);

    const later = callsTo(calls, 'GET /api/v1/hires');
    assert.equal(later.length, 2, `one more lookup: ${calls.join(', ')}`);
    assert.deepEqual(
      new URLSearchParams(later[1].split('?')[1]).getAll('email'),
      ['gil@example.com'],
      `only the new email: ${later[1]}`,
    );

    // Act: two Portugal hires clicked together, then one in Germany: each click reads its
    // country's form (a connected click does), once per country for the page.
    await s.button('Bruno Costa', page).click();
    await s.button('Erin Walsh', page).click();
    await s.waitForEvent('hwr:success', (e) => e.candidate === 'Bruno Costa');
    await s.waitForEvent('hwr:success', (e) => e.candidate === 'Erin Walsh');
    await s.button('Carla Braun', page).click();
    await s.waitForEvent('hwr:success', (e) => e.candidate === 'Carla Braun');
    await untilQuiet(calls);

    const all = calls.join(', ');
    assert.equal(callsTo(calls, 'GET /api/v1/countries/PT/form').length, 1, all);
    assert.equal(callsTo(calls, 'GET /api/v1/countries/DE/form').length, 1, all);
    assert.equal(callsTo(calls, 'POST /api/v1/hires').length, 3, all);
    assert.equal(callsTo(calls, 'GET /api/v1/connection').length, 1, all);
    assert.equal(callsTo(calls, 'GET /api/v1/countries').length, 1, all);
    assert.equal(callsTo(calls, 'GET /api/v1/hires').length, 2, all);
    assert.equal(calls.length, 9, `nothing else: ${all}`);
  },
  { timeout: 120_000 },
);

scenario(
  'one-page-hired',
  'on a connected page only the hired candidate shows its status beside "Open in Remote" and fires one hwr:status; a new hire turns into "Open in Remote"; opening the hired one says already hired and creates nothing',
  async (s) => {
    // Arrange: the employer consents on the demo job site, which hires Ana.
    await s.gotoSite();
    const consent = await s.clickForPopup(ANA);
    await s.consent(consent, 'allow');
    await s.expectOnboarding([ANA]);
    const hired = await s.waitForEvent('hwr:success', (e) => e.candidate === ANA);
    const { page, calls, open } = await candidatesPage(s, [
      candidate(ANA, 'ana@example.com', 'PT'),
      candidate('Bruno Costa', 'bruno@example.com', 'PT'),
      candidate('Carla Braun', 'carla@example.com', 'DE'),
    ]);
    const onThisPage = (type) => s.eventsOf(type).filter((e) => e.url === page.url());

    // Act: the page loads.
    await open();
    await s.openButton(ANA, page).waitFor({ timeout: 15_000 });
    await untilQuiet(calls);

    // Assert: Ana shows her hire; the others are buttons as usual.
    const statuses = onThisPage('hwr:status');
    assert.equal(statuses.length, 1, JSON.stringify(statuses));
    assert.equal(statuses[0].candidate, ANA);
    assert.deepEqual(statuses[0].detail, {
      hire_id: hired.detail.hire_id,
      employment_id: hired.detail.employment_id,
      status: 'created',
    });
    assert.equal(await s.status(ANA, page).innerText(), 'In Remote: Created');
    assert.equal(await s.widget(ANA, page).locator('form.hwr--hired').count(), 1);
    const opens = s.openButton(ANA, page);
    assert.equal(await opens.getAttribute('type'), 'submit', 'Enter and Space press it');
    assert.equal(await opens.getAttribute('aria-disabled'), 'false');
    for (const name of ['Bruno Costa', 'Carla Braun']) {
      await s.button(name, page).waitFor();
      const line = await s.widget(name, page).locator('[aria-live]').textContent();
      assert.equal(line.trim(), '', `${name}: no status`);
      assert.equal(await s.widget(name, page).locator('form.hwr--hired').count(), 0, name);
    }
    await s.shot(page, 'hired-shown');

    // Act: Bruno is hired from this page (no redirect).
    await s.button('Bruno Costa', page).click();
    const bruno = await s.waitForEvent('hwr:success', (e) => e.candidate === 'Bruno Costa');

    // Assert: his button now opens his hire.
    assert.equal(bruno.detail.already_hired, false);
    await s.openButton('Bruno Costa', page).waitFor({ timeout: 10_000 });
    assert.equal(await s.status('Bruno Costa', page).innerText(), 'Sent to Remote.');
    const brunoStatus = await s.waitForEvent('hwr:status', (e) => e.candidate === 'Bruno Costa');
    assert.equal(brunoStatus.detail.status, 'created');
    assert.equal(brunoStatus.detail.hire_id, bruno.detail.hire_id);
    const afterBruno = await s.demo.state();

    // Act: Ana's "Open in Remote".
    await s.openButton(ANA, page).click();
    const again = await s.waitForEvent(
      'hwr:success',
      (e) => e.candidate === ANA && e.url === page.url(),
    );

    // Assert: her earlier hire, nothing created, her status unchanged.
    assert.equal(again.detail.already_hired, true);
    assert.equal(again.detail.hire_id, hired.detail.hire_id);
    assert.equal(again.detail.employment_id, hired.detail.employment_id);
    await s.status(ANA, page).filter({ hasText: 'Already in Remote; nothing new was created.' }).waitFor();
    const afterAna = await s.demo.state();
    assert.equal(afterAna.employment_posts, afterBruno.employment_posts, 'nothing posted to Remote');
    assert.equal(afterAna.employments.length, afterBruno.employments.length);
    assert.equal(
      onThisPage('hwr:status').filter((e) => e.candidate === ANA).length,
      1,
      'her status did not change',
    );
    await s.shot(page, 'opened');
  },
  { timeout: 120_000 },
);

scenario(
  'one-page-country-refused',
  'a country Remote cannot hire in, alpha-2 or alpha-3, is refused on click before any window or request; a hireable alpha-3 one opens the window',
  async (s) => {
    const { page, calls, open } = await candidatesPage(s, [
      candidate('Kim Hye-jin', 'hyejin@example.com', 'kp'),
      candidate('Ri Jong', 'ri@example.com', 'PRK'),
      candidate('Jonas Becker', 'jonas@example.com', 'deu'),
    ]);
    const popups = popupsOf(page);
    await open();
    await buttonsShown(s, page, ['Kim Hye-jin', 'Ri Jong', 'Jonas Becker'], calls);
    await untilQuiet(calls);
    const before = calls.length;

    // Act: Kim (North Korea, alpha-2 in lower case).
    await s.button('Kim Hye-jin', page).click();
    const refused = await s.waitForEvent('hwr:error', (e) => e.candidate === 'Kim Hye-jin');

    const message = 'Remote cannot hire in North Korea yet. Choose another country or contact Remote.';
    assert.equal(refused.detail.code, 'unsupported_country');
    assert.equal(refused.detail.message, message);
    const kim = s.widget('Kim Hye-jin', page);
    await s.status('Kim Hye-jin', page).filter({ hasText: message }).waitFor();
    await kim.locator('form.hwr--error').waitFor();
    await kim.locator('select[name="country_code"]').waitFor();
    assert.deepEqual(await kim.locator('.hwr-field__error:not([hidden])').allInnerTexts(), [
      'Choose a country Remote can hire in.',
    ]);

    // Act: Ri (North Korea, alpha-3).
    await s.button('Ri Jong', page).click();
    await s.status('Ri Jong', page)
      .filter({ hasText: 'Remote cannot hire in PRK yet. Choose another country or contact Remote.' })
      .waitFor();
    await untilQuiet(calls, 500);
    await s.shot(page, 'refused');

    assert.equal(popups.length, 0, 'no window opened');
    assert.deepEqual(calls.slice(before), [], 'nothing sent');
    assert.equal(s.eventsOf('hwr:error').length, 2, JSON.stringify(s.eventsOf('hwr:error')));

    // Act: Jonas (Germany, alpha-3 in lower case) goes ahead.
    const opened = page.waitForEvent('popup', { timeout: 10_000 });
    await s.button('Jonas Becker', page).click();
    const consent = await opened;
    await consent.waitForURL((u) => u.pathname === '/auth/oauth2/authorize', { timeout: 10_000 });
    assert.equal(popups.length, 1, 'one window, opened inside the click');
    assert.deepEqual(
      calls.slice(before).filter((call) => !call.startsWith('GET /api/v1/flows/')),
      ['POST /api/v1/connect'],
    );
    const state = await s.demo.state();
    assert.equal(state.employment_posts, 0);
  },
);

scenario(
  'one-page-no-country-list',
  'without the country list a click refuses nothing by itself: it opens the consent window and asks the backend',
  async (s) => {
    // Arrange: Remote's country list fails, so the backend has none to give.
    await s.demo.fault({ route: 'GET /v1/countries', status: 503 });
    const { page, calls, open } = await candidatesPage(s, [
      candidate('Kim Hye-jin', 'hyejin@example.com', 'KP'),
    ]);
    const popups = popupsOf(page);
    await open();
    await buttonsShown(s, page, ['Kim Hye-jin'], calls);
    await untilQuiet(calls);
    assert.ok(
      s.api.some((call) => /^GET \/api\/v1\/countries → 5\d\d$/.test(call)),
      `the page asked for the list and got none: ${s.api.join(', ')}`,
    );

    // Act
    const opened = page.waitForEvent('popup', { timeout: 10_000 });
    await s.button('Kim Hye-jin', page).click();
    const consent = await opened;
    await consent.waitForURL((u) => u.pathname === '/auth/oauth2/authorize', { timeout: 10_000 });

    // Assert: the click went to the backend and on to Remote's consent page.
    assert.equal(popups.length, 1, 'the window opened inside the click');
    assert.equal(callsTo(calls, 'POST /api/v1/connect').length, 1, calls.join(', '));
    assert.deepEqual(s.eventsOf('hwr:error'), [], 'the widget refused nothing');
    const state = await s.demo.state();
    assert.equal(state.employment_posts, 0);
  },
);

scenario(
  'one-page-unreachable-backend',
  'a backend that does not answer is reported on click without a window, and asked again for the next click',
  async (s, t) => {
    // Arrange: the widget's code from the real backend, its `backend` a port nobody listens on.
    const dead = `http://127.0.0.1:${await freePort()}`;
    const { page, calls, open } = await candidatesPage(
      s,
      [candidate(ANA, 'ana@example.com', 'PT'), candidate('Bruno Costa', 'bruno@example.com', 'PT')],
      { backend: dead },
    );
    const popups = popupsOf(page);
    await open();
    await buttonsShown(s, page, [ANA, 'Bruno Costa'], calls);
    await untilQuiet(calls);
    assert.equal(
      callsTo(calls.failed, 'GET /api/v1/connection').length,
      1,
      `one check for both buttons, which got no answer: ${calls.failed.join(', ')}`,
    );
    t.diagnostic(`before the click: ${calls.join(', ')}`);

    // Act
    await s.button(ANA, page).click();
    const error = await s.waitForEvent('hwr:error', (e) => e.candidate === ANA);
    await untilQuiet(calls);

    // Assert
    assert.equal(error.detail.code, 'backend_unreachable');
    assert.ok(
      error.detail.message.startsWith(`Can't reach hire-with-remote at ${dead}. Check that`),
      error.detail.message,
    );
    await s.status(ANA, page).filter({ hasText: error.detail.message }).waitFor();
    await s.retryButton(ANA, page).waitFor();
    await s.shot(page, 'unreachable');
    assert.equal(popups.length, 0, 'no window opened');
    assert.equal(
      callsTo(calls, 'GET /api/v1/connection').length,
      2,
      `asked again, for the next click: ${calls.join(', ')}`,
    );
    assert.equal(calls.filter((c) => !c.startsWith('GET ')).length, 0, calls.join(', '));
  },
);
