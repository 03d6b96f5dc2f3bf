// <hire-with-remote>: the one script a job site embeds.
//
//   <script type="module" src="https://BACKEND/widget/hire-with-remote.js"></script>
//
// This file keeps a stable name; the build replaces __HWR_HASH__ with the content hash of the
// wasm build it belongs to, so the large files are cached forever and this one stays small.
// No inline styles, no eval: it runs under a CSP without 'unsafe-inline' (the wasm itself needs
// 'wasm-unsafe-eval').

const TAG = 'hire-with-remote';
const GLUE_URL = new URL('./hwr-widget-__HWR_HASH__.js', import.meta.url);
const WASM_URL = new URL('./hwr-widget-__HWR_HASH___bg.wasm', import.meta.url);

// Attribute names mirror the component's props (kept in sync with attributes.rs).
const OBSERVED = [
  'backend',
  'token',
  'full-name',
  'job-title',
  'personal-email',
  'provisional-start-date',
  'country-code',
  'redirect',
  'lang',
];

let widget = null;

// The wasm is fetched and compiled once per page, on first use, however many buttons there are.
function loadWidget() {
  if (!widget) {
    widget = import(GLUE_URL).then(async (glue) => {
      await glue.default({ module_or_path: WASM_URL });
      return glue;
    });
    widget.catch(() => {
      widget = null; // let a later element try again (flaky network)
    });
  }
  return widget;
}

class HireWithRemoteElement extends HTMLElement {
  static get observedAttributes() {
    return OBSERVED;
  }

  #handle = null;
  #mounting = false;

  connectedCallback() {
    if (this.#handle || this.#mounting) return;
    const shadow = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    this.#mounting = true;
    loadWidget()
      .then((glue) => {
        this.#mounting = false;
        // Removed while loading, or mounted by a concurrent call: nothing to do.
        if (!this.isConnected || this.#handle) return;
        this.#handle = glue.mount(shadow, this);
      })
      .catch((error) => {
        this.#mounting = false;
        console.error('hire-with-remote: the widget failed to load', error);
        this.dispatchEvent(
          new CustomEvent('hwr:error', {
            bubbles: true,
            composed: true,
            detail: { code: 'load_failed', message: 'The Hire with Remote button failed to load.' },
          }),
        );
      });
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (this.#handle && oldValue !== newValue) {
      this.#handle.set_attribute(name, newValue);
    }
  }

  disconnectedCallback() {
    const handle = this.#handle;
    this.#handle = null;
    if (handle) handle.unmount();
  }
}

// Loading this script twice (or two versions of it) must not throw.
if (customElements.get(TAG) === undefined) {
  customElements.define(TAG, HireWithRemoteElement);
}
