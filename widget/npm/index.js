// Loads the <hire-with-remote> element from your backend, once per page. The element's code is
// served by the backend itself (so it always matches the backend's API); this package only adds
// the script tag and the TypeScript types.

const loading = new Map();

/**
 * Adds `<script type="module" src="BACKEND/widget/v1/hire-with-remote.js">` to the page (once per
 * backend) and resolves when the element is defined.
 * @param {string} backend the backend's base URL, e.g. "https://hire.example.com"
 * @returns {Promise<void>}
 */
export function loadHireWithRemote(backend) {
  const base = String(backend).replace(/\/+$/, '');
  if (!loading.has(base)) {
    const src = `${base}/widget/v1/hire-with-remote.js`;
    if (!document.querySelector(`script[src="${CSS.escape(src)}"]`)) {
      const script = document.createElement('script');
      script.type = 'module';
      script.src = src;
      document.head.append(script);
    }
    loading.set(base, customElements.whenDefined('hire-with-remote').then(() => undefined));
  }
  return loading.get(base);
}

/** The element's events, by name. */
export const HWR_EVENTS = Object.freeze({
  success: 'hwr:success',
  error: 'hwr:error',
  exit: 'hwr:exit',
  status: 'hwr:status',
});
