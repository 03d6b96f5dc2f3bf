// Scenario 15: what embedding the element promises a page, in Chromium against the real backend.
// The widget's script included twice (once more under another URL, so the module really runs
// twice) leaves one working element: no error in the console, one button, and a click that asks
// the backend for one consent, not two. And theming: the documented `--hwr-*` custom properties,
// set on the element or an ancestor, reach the styles inside the shadow root; the button follows
// `prefers-color-scheme` (a dark palette of its own) and `prefers-reduced-motion` (no transition,
// no spinning).
//
// The pages are our own, built inside the demo job site's 404 page (see `openCandidatesPage`).

import assert from 'node:assert/strict';

import { ANA, scenario } from '../harness.mjs';
import {
  callsTo,
  openCandidatesPage,
  recordApiCalls,
  startDateAhead,
  untilCalled,
  untilQuiet,
  waitClosed,
} from './support.mjs';

const ANA_ATTRIBUTES = {
  'full-name': ANA,
  'job-title': 'Engineer',
  'personal-email': 'ana@example.com',
  'provisional-start-date': startDateAhead(60),
  'country-code': 'PT',
  redirect: 'none',
};

/** Ana's page, opened, once the widget's code is there (it makes the connection check). */
async function anaPage(s, page = s.page) {
  const calls = recordApiCalls(page, s.demo.backend);
  await openCandidatesPage(page, s.demo.site, {
    backend: s.demo.backend,
    token: await s.demo.token(),
    candidates: [ANA_ATTRIBUTES],
  });
  await s.widget(ANA, page).getByRole('button').first().waitFor({ timeout: 15_000 });
  await untilCalled(calls, 'GET /api/v1/connection');
  await untilQuiet(calls);
  return calls;
}

/**
 * The errors and uncaught exceptions of the job site's page in the browser console, but the 404
 * of the page the test page is built in.
 */
function errorsIn(s) {
  return s.console.filter(
    (line) =>
      /^\[(error|pageerror)\] /.test(line) &&
      line.includes(`] ${s.demo.site}/`) &&
      !line.endsWith('/e2e-candidates: Failed to load resource: the server responded with a status of 404 (Not Found)'),
  );
}

/** Computed styles inside Ana's shadow root: the widget's box, its button and spinner. */
function styles(page) {
  return page.evaluate(() => {
    const root = document.querySelector('hire-with-remote').shadowRoot;
    const box = root.querySelector('.hwr-root:not(.hwr-root--early) .hwr') ?? root.querySelector('.hwr');
    const button = box.querySelector('.hwr-button');
    const spinner = box.querySelector('.hwr-button__spinner');
    const b = getComputedStyle(button);
    const x = getComputedStyle(box);
    const s = getComputedStyle(spinner);
    const internal = (name) => x.getPropertyValue(name).trim();
    return {
      background: b.backgroundColor,
      color: b.color,
      radius: b.borderTopLeftRadius,
      transition: b.transitionDuration,
      fg: x.color,
      font: x.fontFamily,
      fontSize: x.fontSize,
      bg: internal('--_bg'),
      muted: internal('--_muted'),
      border: internal('--_border'),
      error: internal('--_error'),
      focus: internal('--_focus'),
      spinner: s.animationName,
    };
  });
}

scenario(
  'script-twice',
  'the script included twice gives one working element: no console error, one button, one consent asked',
  async (s) => {
    const calls = await anaPage(s);
    const popups = [];
    s.page.on('popup', (popup) => popups.push(popup));

    // The same script again, under the same URL (the browser's module map) and another one
    // (a second evaluation of the loader, as two copies of the snippet would do).
    await s.page.evaluate(async (src) => {
      const load = (url) =>
        new Promise((resolve, reject) => {
          const script = document.createElement('script');
          script.type = 'module';
          script.src = url;
          script.onload = resolve;
          script.onerror = () => reject(new Error(`${url} did not load`));
          document.head.append(script);
        });
      await load(src);
      await load(`${src}?again=1`);
    }, `${s.demo.backend}/widget/v1/hire-with-remote.js`);
    await untilQuiet(calls);

    assert.deepEqual(errorsIn(s), [], 'nothing went wrong in the console');
    assert.equal(await s.page.locator('hire-with-remote').count(), 1);
    assert.equal(await s.widget(ANA).getByRole('button').count(), 1, 'one button');

    const popup = await s.clickForPopup(ANA);
    const closed = waitClosed(popup);
    await s.consent(popup, 'allow');
    await closed;
    await s.waitForEvent('hwr:success');
    await untilQuiet(calls);
    const state = await s.demo.state();

    assert.equal(callsTo(calls, 'POST /api/v1/connect').length, 1, `one consent asked: ${calls.join(', ')}`);
    assert.equal(popups.length, 1, 'one consent window');
    assert.equal(s.eventsOf('hwr:success').length, 1, 'one hwr:success');
    assert.equal(state.employments.length, 1, 'one employment');
    assert.equal(state.employment_posts, 1, 'one POST /v1/employments');
    assert.deepEqual(errorsIn(s), [], 'still nothing in the console');
  },
);

scenario(
  'theming',
  'the --hwr-* properties reach the shadow root, and the button follows prefers-color-scheme and prefers-reduced-motion',
  async (s) => {
    await s.page.emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
    await anaPage(s);

    // The defaults, light and in motion.
    const light = await styles(s.page);
    assert.equal(light.background, 'rgb(90, 69, 214)');
    assert.equal(light.color, 'rgb(255, 255, 255)');
    assert.equal(light.fg, 'rgb(28, 30, 38)');
    assert.equal(light.radius, '8px');
    assert.notEqual(light.transition.replaceAll('0s', '').replaceAll(',', '').trim(), '', 'a transition');
    assert.equal(light.spinner, 'hwr-spin');

    // prefers-color-scheme: dark gets the dark palette.
    await s.page.emulateMedia({ colorScheme: 'dark' });
    const dark = await styles(s.page);
    assert.equal(dark.background, 'rgb(139, 124, 246)');
    assert.equal(dark.color, 'rgb(18, 16, 31)');
    assert.equal(dark.fg, 'rgb(236, 238, 244)');
    assert.equal(dark.bg, '#1b1d24');

    // prefers-reduced-motion: reduce turns the transition and the spinning off.
    await s.page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
    const still = await styles(s.page);
    assert.equal(still.transition, '0s');
    assert.equal(still.spinner, 'none');

    // Every documented property, some on the element and some on an ancestor, wins in both
    // schemes.
    await s.page.emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
    await s.page.evaluate(() => {
      const element = document.querySelector('hire-with-remote');
      const set = (node, properties) => {
        for (const [name, value] of Object.entries(properties)) node.style.setProperty(name, value);
      };
      set(element, {
        '--hwr-accent': '#0b5fff',
        '--hwr-accent-contrast': '#ffff00',
        '--hwr-radius': '3px',
        '--hwr-font': 'monospace',
        '--hwr-font-size': '21px',
      });
      set(document.getElementById('candidates'), {
        '--hwr-bg': '#010203',
        '--hwr-fg': '#040506',
        '--hwr-muted': '#070809',
        '--hwr-border': '#0a0b0c',
        '--hwr-error': '#0d0e0f',
        '--hwr-focus': '#101112',
      });
    });
    for (const colorScheme of ['light', 'dark']) {
      await s.page.emulateMedia({ colorScheme });
      const themed = await styles(s.page);
      assert.equal(themed.background, 'rgb(11, 95, 255)', `--hwr-accent (${colorScheme})`);
      assert.equal(themed.color, 'rgb(255, 255, 0)', `--hwr-accent-contrast (${colorScheme})`);
      assert.equal(themed.radius, '3px', '--hwr-radius');
      assert.equal(themed.font, 'monospace', '--hwr-font');
      assert.equal(themed.fontSize, '21px', '--hwr-font-size');
      assert.equal(themed.fg, 'rgb(4, 5, 6)', `--hwr-fg (${colorScheme})`);
      assert.equal(themed.bg, '#010203', `--hwr-bg (${colorScheme})`);
      assert.equal(themed.muted, '#070809', `--hwr-muted (${colorScheme})`);
      assert.equal(themed.border, '#0a0b0c', `--hwr-border (${colorScheme})`);
      assert.equal(themed.error, '#0d0e0f', `--hwr-error (${colorScheme})`);
      assert.equal(themed.focus, '#101112', `--hwr-focus (${colorScheme})`);
    }
  },
);
