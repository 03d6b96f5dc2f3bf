// Scenario 13: country-specific fields. With HWR_REMOTE_JSON_SCHEMA_VERSION=3, Remote requires
// two tax questions for a Portugal hire. Ana (Portugal) consents; the hire the callback tries is
// refused before anything reaches Remote; her widget asks the two questions with the schema's
// labels; once answered, the hire lands on onboarding with one employment carrying the answers.

import assert from 'node:assert/strict';

import { ANA, scenario } from '../harness.mjs';

const CATEGORY = 'What is the main job category that the employee performs?';
const REGIONS = /country\(s\) or region\(s\)/;

scenario(
  'country-fields',
  'Portugal under schema version 3: the two extra questions, answered, then onboarding with one employment carrying them',
  async (s) => {
    const { page, demo } = s;
    await s.gotoSite();
    const popup = await s.clickForPopup(ANA);
    await s.consent(popup, 'allow');

    // The inline form asks what Remote requires, and nothing was posted without it.
    const widget = s.widget(ANA);
    const category = widget.getByLabel(CATEGORY, { exact: true });
    await category.waitFor({ timeout: 20_000 });
    const regions = widget.getByRole('group', { name: REGIONS });
    await regions.waitFor();
    await s.shot(page, 'extra-questions');
    let state = await demo.state();
    assert.equal(state.employment_posts, 0, 'nothing posted before the questions are answered');

    await category.selectOption('engineering_it');
    await regions.getByLabel('Portugal', { exact: true }).check();
    await s.shot(page, 'answered');
    await s.button(ANA).click();
    await s.expectOnboarding([ANA]);

    state = await demo.state();
    const ana = state.employments.filter((e) => e.full_name === ANA);
    assert.equal(ana.length, 1, 'one employment');
    assert.equal(state.employment_posts, 1, 'posted once');
    const info = ana[0].basic_information ?? {};
    assert.equal(info.tax_job_category, 'engineering_it', JSON.stringify(info));
    assert.deepEqual(info.tax_servicing_countries, ['Portugal'], JSON.stringify(info));
  },
  { env: { HWR_REMOTE_JSON_SCHEMA_VERSION: '3' } },
);
