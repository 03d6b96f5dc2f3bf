// Scenario 12: after the hire. Ana is hired through the consent popup; back on the job site her
// button reads "Open in Remote" beside her status, and a click opens her hire in Remote without
// creating anything. Inviting her on Remote's onboarding page reaches the backend as Remote's
// webhook and the job site as `hire.created` then `hire.status_changed`, verified here with the
// Standard Webhooks library (npm `standardwebhooks`), as a job site would; her status follows.
//
// The demo gets its webhook secret and server key from the environment (HWR_WEBHOOK_SECRET,
// HWR_SERVER_API_KEY): the test knows them the way a job site does, and proves the override.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { Webhook } from 'standardwebhooks';

import { ANA, scenario } from '../harness.mjs';

const ANA_EMAIL = 'ana@example.com';
const WEBHOOK_SECRET = `whsec_${crypto.randomBytes(32).toString('base64')}`;
const SERVER_KEY = crypto.randomBytes(32).toString('hex');
const ENV = { HWR_WEBHOOK_SECRET: WEBHOOK_SECRET, HWR_SERVER_API_KEY: SERVER_KEY };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function employmentsOf(state, email) {
  return state.employments.filter((e) => e.personal_email === email);
}

/** Polls the job site's received webhooks until `predicate(list)` gives something; returns it. */
async function waitForWebhooks(demo, predicate, what, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const received = await demo.webhooks();
    const found = predicate(received);
    if (found) return found;
    if (Date.now() > deadline) {
      throw new Error(`no ${what} at the job site within ${timeout} ms: ${JSON.stringify(received, null, 1)}`);
    }
    await sleep(200);
  }
}

/** The delivery's payload as the Standard Webhooks library verifies it (throws when it does not). */
function verify(delivery, secret = WEBHOOK_SECRET) {
  return new Webhook(secret).verify(delivery.raw_body, delivery.headers);
}

/** Hires Ana through the consent popup and waits for the onboarding page; her `hwr:success`. */
async function hireAna(s) {
  await s.gotoSite();
  const popup = await s.clickForPopup(ANA);
  await s.consent(popup, 'allow');
  await s.expectOnboarding([ANA], s.page, 'hired');
  return s.waitForEvent('hwr:success', (e) => e.candidate === ANA);
}

/** Ana's line on the sandbox's onboarding page. */
function onboardingLine(page) {
  return page.locator('li', { hasText: ANA });
}

async function invite(s, step) {
  const line = onboardingLine(s.page);
  await line.getByRole('button', { name: 'Invite', exact: true }).click();
  await line.locator('.status', { hasText: 'invited' }).waitFor({ timeout: 10_000 });
  await s.shot(s.page, step);
}

scenario(
  'after-the-hire',
  'after the hire: "Open in Remote" with her status, no second employment, signed webhooks when Remote invites her',
  async (s) => {
    const { page, demo } = s;

    // Arrange: Ana hired through consent.
    const hired = await hireAna(s);
    const hireId = hired.detail.hire_id;
    const employmentId = hired.detail.employment_id;
    const afterHire = await demo.state();
    assert.equal(employmentsOf(afterHire, ANA_EMAIL).length, 1, 'one employment for Ana');

    // Back on the job site: one lookup for the page, Ana's button opens her hire, her status shows.
    const callsBefore = s.api.length;
    await s.gotoSite();
    await s.openButton(ANA).waitFor({ timeout: 10_000 });
    await s.widget(ANA).getByText(/created/i).first().waitFor({ timeout: 10_000 });
    const createdStatus = await s.waitForEvent(
      'hwr:status',
      (e) => e.candidate === ANA && e.detail?.status === 'created',
    );
    assert.equal(createdStatus.detail.hire_id, hireId);
    assert.equal(createdStatus.detail.employment_id, employmentId);
    await s.shot(page, 'already-hired');
    const lookups = s.api.slice(callsBefore).filter((call) => call.startsWith('GET /api/v1/hires '));
    assert.equal(lookups.length, 1, `one GET /api/v1/hires?email=… for the page: ${s.api.slice(callsBefore).join(', ')}`);
    assert.ok(lookups[0].endsWith('→ 200'), lookups[0]);

    // Act: "Open in Remote" lands on onboarding and creates nothing.
    await s.openButton(ANA).click();
    await s.expectOnboarding([ANA], page, 'open-in-remote');
    const reopened = await demo.state();
    assert.equal(employmentsOf(reopened, ANA_EMAIL).length, 1, 'still exactly one employment for Ana');
    assert.equal(reopened.employment_posts, afterHire.employment_posts, 'no POST /v1/employments');
    const again = await s.waitForEvent('hwr:success', (e) => e.candidate === ANA && e.detail?.already_hired === true);
    assert.equal(again.detail.hire_id, hireId, 'the earlier hire');
    assert.equal(again.detail.employment_id, employmentId);
    assert.ok(
      s.api.includes('POST /api/v1/hires → 200'),
      `the backend answered 200 (already hired): ${s.api.join(', ')}`,
    );

    // A second tab on the job site, left open: its event log fills in by itself.
    const sitePage = await s.context.newPage();
    await s.gotoSite(sitePage);
    const createdLine = sitePage.locator('#event-log li', { hasText: `webhook hire.created · ${ANA}` });
    await createdLine.waitFor({ timeout: 10_000 });
    assert.match(await createdLine.innerText(), /signature verified/);

    // Act: Remote's onboarding page invites Ana.
    await invite(s, 'invited');

    // Assert: the job site received hire.created, then hire.status_changed created → invited.
    const [created, changed] = await waitForWebhooks(
      demo,
      (received) => {
        const answered = received.filter((d) => d.answered === 204);
        const c = answered.find((d) => d.type === 'hire.created' && d.data?.hire_id === hireId);
        const ch = answered.find(
          (d) => d.type === 'hire.status_changed' && d.data?.hire_id === hireId && d.data?.status === 'invited',
        );
        return c && ch ? [c, ch] : null;
      },
      'hire.created and hire.status_changed (invited)',
    );
    assert.ok(created.seq < changed.seq, 'hire.created arrived before hire.status_changed');
    assert.notEqual(created.webhook_id, changed.webhook_id, 'one webhook-id per event');
    const connection = await demo.connection();
    for (const delivery of [created, changed]) {
      assert.equal(delivery.verified, true, `the job site verified ${delivery.type}`);
      const payload = verify(delivery);
      assert.equal(payload.type, delivery.type);
      assert.deepEqual(payload.data, delivery.data);
      assert.equal(delivery.headers['webhook-id'], delivery.webhook_id);
      assert.match(delivery.headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+=*$/);
      assert.ok(!Number.isNaN(Date.parse(payload.timestamp)), `timestamp is a date: ${payload.timestamp}`);
      assert.equal(payload.data.hire_id, hireId);
      assert.equal(payload.data.employment_id, employmentId);
      assert.equal(payload.data.user, 'demo-employer');
      assert.equal(payload.data.company_id, connection.body?.company_id);
      assert.deepEqual(payload.data.candidate, {
        full_name: ANA,
        personal_email: ANA_EMAIL,
        country_code: 'PRT',
      });
    }
    assert.equal(created.data.status, 'created');
    assert.equal(created.data.previous_status, undefined, 'hire.created has no previous_status');
    assert.equal(changed.data.previous_status, 'created');
    assert.equal(changed.data.status, 'invited');

    // The library refuses a changed body, and the demo's own secret (overridden) is not the key.
    assert.throws(() => new Webhook(WEBHOOK_SECRET).verify(changed.raw_body.replace('invited', 'active'), changed.headers));
    const own = JSON.parse(fs.readFileSync(path.join(demo.dataDir, 'demo-secrets.json'), 'utf8'));
    assert.notEqual(own.webhook_secret, WEBHOOK_SECRET);
    assert.throws(() => verify(changed, own.webhook_secret), 'signed with HWR_WEBHOOK_SECRET, not the demo\'s own');

    // Remote's deliveries to the backend were all answered 200.
    const toBackend = (await demo.sandboxWebhooks()).filter((d) => d.url === `${demo.backend}/webhooks/remote`);
    assert.ok(
      toBackend.some((d) => d.employment_id === employmentId && d.event_type === 'employment.status.updated'),
      `Remote delivered employment.status.updated for Ana: ${JSON.stringify(toBackend)}`,
    );
    assert.ok(
      toBackend.every((d) => d.status === 200),
      `every delivery to the backend answered 200: ${JSON.stringify(toBackend)}`,
    );

    // The tab left open logged the webhook.
    const changedLine = sitePage.locator('#event-log li', {
      hasText: `webhook hire.status_changed · ${ANA}`,
    });
    await changedLine.waitFor({ timeout: 10_000 });
    const changedText = await changedLine.innerText();
    assert.match(changedText, /created → invited/);
    assert.match(changedText, /signature verified/);
    await s.shot(sitePage, 'event-log');

    // Reloaded, the job site shows her new status.
    await s.gotoSite();
    await s.widget(ANA).getByText(/invited/i).first().waitFor({ timeout: 10_000 });
    await s.waitForEvent('hwr:status', (e) => e.candidate === ANA && e.detail?.status === 'invited');
    await s.openButton(ANA).waitFor();
    await s.shot(page, 'status-invited');

    // The job site's servers read the hire with the server key (from HWR_SERVER_API_KEY).
    const asServer = { authorization: `Bearer ${SERVER_KEY}` };
    const byUser = await fetch(`${demo.backend}/api/v1/hires?user=demo-employer`, { headers: asServer });
    assert.equal(byUser.status, 200);
    const { hires } = await byUser.json();
    assert.equal(hires.length, 1);
    assert.equal(hires[0].hire_id, hireId);
    assert.equal(hires[0].status, 'invited');
    const one = await fetch(`${demo.backend}/api/v1/hires/${hireId}`, { headers: asServer });
    assert.equal(one.status, 200);
    assert.equal((await one.json()).status, 'invited');
    const ownKey = await fetch(`${demo.backend}/api/v1/hires?user=demo-employer`, {
      headers: { authorization: `Bearer ${own.server_api_key}` },
    });
    assert.equal(ownKey.status, 401, 'the demo\'s own server key was overridden');
  },
  { env: ENV, timeout: 120_000 },
);

scenario(
  'webhook-retry',
  'a webhook the job site answers 500 comes again within seconds with the same webhook-id; a forged one is refused',
  async (s) => {
    const { demo } = s;
    const hired = await hireAna(s);
    await waitForWebhooks(
      demo,
      (received) => received.find((d) => d.type === 'hire.created' && d.answered === 204),
      'hire.created',
    );

    // Act: the job site fails the next delivery, and Remote's onboarding page invites Ana.
    await demo.failWebhooks(1);
    await invite(s, 'invited');

    // Assert: the same event, refused once (500), then delivered (204), freshly signed.
    const [failed, delivered] = await waitForWebhooks(
      demo,
      (received) => {
        const changes = received.filter((d) => d.type === 'hire.status_changed');
        const first = changes.find((d) => d.answered === 500);
        const retry = first && changes.find((d) => d.answered === 204 && d.webhook_id === first.webhook_id);
        return retry ? [first, retry] : null;
      },
      'a refused hire.status_changed and its retry',
      30_000,
    );
    assert.equal(delivered.data.hire_id, hired.detail.hire_id);
    assert.equal(delivered.data.status, 'invited');
    assert.equal(delivered.raw_body, failed.raw_body, 'the same event');
    const gap = (Date.parse(delivered.received_at) - Date.parse(failed.received_at)) / 1000;
    assert.ok(gap <= 12, `the first retry came ${gap} s later (5 s, plus the worker's tick)`);
    assert.ok(
      Number(delivered.headers['webhook-timestamp']) >= Number(failed.headers['webhook-timestamp']),
      'each attempt is signed at its own time',
    );
    for (const delivery of [failed, delivered]) {
      assert.equal(delivery.verified, true);
      assert.equal(verify(delivery).data.status, 'invited');
    }

    // A delivery without a valid signature is answered 401 and kept as unverified.
    const forged = await fetch(`${demo.site}/demo/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_forged',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,bm90IGEgc2lnbmF0dXJl',
      },
      body: failed.raw_body,
    });
    assert.equal(forged.status, 401);
    const kept = (await demo.webhooks()).find((d) => d.webhook_id === 'msg_forged');
    assert.equal(kept?.verified, false);
    assert.equal(kept?.answered, 401);
  },
  { env: ENV, timeout: 120_000 },
);
