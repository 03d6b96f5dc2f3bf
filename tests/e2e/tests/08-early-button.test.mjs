// The loader's early button. The button is there and clickable before the widget's code (glue
// and wasm) has arrived; a click in that time opens the consent window at once and is replayed
// once the code is here, which takes the window over; the hand-over to the wasm moves nothing;
// a failed load is shown and the next click tries again.

import assert from 'node:assert/strict';

import { ANA, JONAS, scenario } from '../harness.mjs';
import { waitClosed } from './support.mjs';

const WASM = /\/widget\/(v1\/)?hwr-widget-[0-9a-f]+_bg\.wasm$/;

/** Holds every wasm request until `release()`; counts them. */
async function holdWasm(context) {
  let release;
  const released = new Promise((resolve) => {
    release = resolve;
  });
  const held = { requests: 0, release: () => release() };
  await context.route(WASM, async (route) => {
    held.requests += 1;
    await released;
    await route.continue();
  });
  return held;
}

/** The widget's rendered tree as plain data: tags, sorted attributes, text; the loader's
 *  `hwr-root--early` marker and the framework's comment markers left out. */
function tree(widget) {
  return widget.evaluate((element) => {
    const describe = (node) => {
      if (node.nodeType === Node.TEXT_NODE) return node.textContent;
      const attributes = [...node.attributes]
        .map((a) => [a.name, a.name === 'class' ? a.value.replace(' hwr-root--early', '') : a.value])
        .sort(([a], [b]) => a.localeCompare(b));
      const children = [...node.childNodes]
        .filter((child) => child.nodeType === Node.ELEMENT_NODE || child.nodeType === Node.TEXT_NODE)
        .map(describe);
      return { tag: node.localName, attributes, children };
    };
    return describe(element.shadowRoot.querySelector('.hwr-root'));
  });
}

/** The button's box within its element, and the element's size: what the hand-over could move
 *  (the element itself may move when a widget above it changes state). */
async function box(widget, button) {
  const host = await widget.boundingBox();
  const own = await button.boundingBox();
  return {
    x: own.x - host.x,
    y: own.y - host.y,
    width: own.width,
    height: own.height,
    hostWidth: host.width,
    hostHeight: host.height,
  };
}

scenario('early-click', 'a click before the widget code opens the consent window at once; the code takes it over; onboarding', async (s) => {
  const { page, demo, context } = s;
  const wasm = await holdWasm(context);
  await page.goto(`${demo.site}/`, { waitUntil: 'load' });

  // The buttons are there, named and clickable, while the wasm is still held back.
  const early = s.widget(ANA).locator('.hwr-root--early');
  await early.waitFor();
  const button = s.button(ANA);
  await button.waitFor();
  const earlyTree = await tree(s.widget(JONAS));
  const earlyBox = await box(s.widget(JONAS), s.button(JONAS));
  await s.shot(page, 'early-buttons');

  // The consent window opens inside the click (popup blockers allow nothing later), blank
  // while the code is on its way.
  const popup = page.waitForEvent('popup', { timeout: 10_000 });
  await button.click();
  const consent = await popup;
  assert.equal(consent.url(), 'about:blank');
  assert.equal(await button.getAttribute('aria-busy'), 'true', 'the pressed button shows it is busy');
  assert.match(await s.widget(ANA).locator('form').getAttribute('class'), /hwr--connecting/);
  assert.ok(wasm.requests >= 1, 'the click asked for the code');
  assert.equal(await early.count(), 1, 'the code is still held back');

  // The code arrives: the widget takes the window over and shows Remote's consent in it.
  wasm.release();

  // The hand-over rendered the same markup in the same place.
  await s.widget(JONAS).locator('.hwr-root--early').waitFor({ state: 'detached' });
  assert.deepEqual(await tree(s.widget(JONAS)), earlyTree, 'the wasm renders what the loader drew');
  assert.deepEqual(await box(s.widget(JONAS), s.button(JONAS)), earlyBox, 'the button did not move at the hand-over');
  assert.equal(wasm.requests, 1, 'one wasm download for the three buttons');

  const closed = waitClosed(consent);
  await s.consent(consent, 'allow');
  await closed;
  await s.expectOnboarding([ANA]);
  const state = await demo.state();
  assert.equal(state.employments.length, 1, 'exactly one employment');
  assert.equal(state.employments[0].full_name, ANA);
  assert.equal(s.eventsOf('hwr:error').length, 0, 'no hwr:error');
});

scenario('early-click-connected', 'an early click by a connected employer: the blank window closes again, the hire goes straight to onboarding', async (s) => {
  const { page, demo, context } = s;
  await s.gotoSite();
  const first = await s.clickForPopup(ANA);
  await s.consent(first, 'allow');
  await s.expectOnboarding([ANA], page, 'first-onboarding');
  const consentPages = s.consentStates.length;

  // The next visit, on a slow network: the code is held back (and not taken from the cache).
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const wasm = await holdWasm(context);
  await page.goto(`${demo.site}/`, { waitUntil: 'load' });
  await s.widget(ANA).locator('.hwr-root--early').waitFor();
  // Another candidate's address: Remote refuses a second employment for one email.
  await s.widget(ANA).evaluate((element) => element.setAttribute('personal-email', 'ana.again@example.com'));
  const popup = page.waitForEvent('popup', { timeout: 10_000 });
  await s.button(ANA).click();
  const blank = await popup;
  const closed = new Promise((resolve) => blank.once('close', resolve));
  wasm.release();

  await closed;
  await s.expectOnboarding([ANA]);
  assert.equal(s.consentStates.length, consentPages, 'no second consent page');
  const state = await demo.state();
  assert.equal(state.employments.length, 2, 'the second hire was made');
  assert.equal(state.employments[1].personal_email, 'ana.again@example.com');
});

scenario('early-load-failed', 'a widget whose code fails to load says so, and the next click loads it and goes on', async (s) => {
  const { page, demo, context } = s;
  let failing = true;
  await context.route(WASM, (route) => (failing ? route.abort('connectionrefused') : route.continue()));
  await page.goto(`${demo.site}/`, { waitUntil: 'load' });

  // Nobody touched the page: the code is fetched once the page is idle, and fails.
  const failed = await s.waitForEvent('hwr:error', (e) => e.detail?.code === 'load_failed', 10_000);
  assert.match(failed.detail.message, /^The Hire with Remote button failed to load: .*wasm-unsafe-eval.*browser console/);
  await s.status(JONAS).filter({ hasText: 'failed to load. Try again.' }).waitFor();
  assert.match(await s.widget(JONAS).locator('form').getAttribute('class'), /hwr--error/);
  await s.shot(page, 'load-failed');

  // The network is back: the click loads the code and reaches the widget, which asks for
  // Jonas's missing country and start date (no popup, nothing sent).
  failing = false;
  const popups = [];
  page.on('popup', (popup) => popups.push(popup));
  await s.button(JONAS).click();
  const widget = s.widget(JONAS);
  await widget.getByLabel('Country', { exact: true }).waitFor({ timeout: 10_000 });
  await widget.getByLabel('Start date', { exact: true }).waitFor();
  assert.equal(await widget.locator('.hwr-root--early').count(), 0, 'the wasm took over');
  assert.equal(popups.length, 0, 'no popup for a candidate with missing fields');
  await s.shot(page, 'loaded-after-retry');
  assert.equal((await demo.state()).employment_posts, 0, 'nothing was sent');
});
