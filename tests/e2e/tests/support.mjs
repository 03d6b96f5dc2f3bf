// Small helpers shared by the scenario files (not a test file: the runner only picks *.test.mjs).

/** A start date `days` ahead of today, as YYYY-MM-DD (local time, as the date input uses). */
export function startDateAhead(days) {
  const date = new Date(Date.now() + days * 24 * 3600 * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Resolves once `page` is closed (at once when it already is). */
export function waitClosed(page, timeout = 15_000) {
  if (page.isClosed()) return Promise.resolve();
  return page.waitForEvent('close', { timeout });
}

/**
 * Fills Jonas's inline form: the country from the <select> of hireable countries (once loaded),
 * the start date in the date input.
 */
export async function fillJonas(s, country, startDate, page = s.page) {
  const widget = s.widget('Jonas Becker', page);
  const select = widget.locator('select[name="country_code"]');
  await select.waitFor({ timeout: 10_000 });
  await select.selectOption(country);
  await widget.getByLabel('Start date', { exact: true }).fill(startDate);
}

/**
 * Resolves to the first of several outcomes: `{ name, value }` for whichever promise settles
 * successfully first; rejected ones are ignored unless all reject.
 */
export function firstOf(entries) {
  return Promise.any(
    Object.entries(entries).map(([name, promise]) => promise.then((value) => ({ name, value }))),
  );
}
