// <hire-with-remote>: the one script a job site embeds.
//
//   <script type="module" src="https://BACKEND/widget/v1/hire-with-remote.js"></script>
//
// This file keeps a stable name; the build replaces __HWR_HASH__ with the content hash of the
// wasm build it belongs to (so the large files are cached forever and this one stays small) and
// __HWR_CSS__ with the widget's stylesheet (widget/src/style.css).
//
// It draws the idle button itself, at once, with the widget's own markup and stylesheet: the
// button is there and clickable after this one small file. The widget's code (wasm-bindgen glue
// and wasm, ~100 KB gzip) is fetched once per page when a person shows intent (pointer over,
// focus, touch) or when the page has loaded and the browser is idle, whichever comes first; each
// element then hands its shadow root to the wasm, which renders the same markup in the same task
// (no layout shift). A click that comes before the code opens the (blank) consent window at once,
// inside the click as popup blockers require, shows the busy state, and is replayed on the
// widget's button as soon as the code arrives, handing the window over.
//
// No inline styles, no eval: it runs under a CSP without 'unsafe-inline' (the wasm itself needs
// 'wasm-unsafe-eval').

const TAG = 'hire-with-remote';
const GLUE_URL = new URL('./hwr-widget-__HWR_HASH__.js', import.meta.url);
const WASM_URL = new URL('./hwr-widget-__HWR_HASH___bg.wasm', import.meta.url);
const CSS = '__HWR_CSS__';

// Attribute names mirror the component's props (in sync with host/attributes.rs).
const OBSERVED = [
  'backend',
  'token',
  'full-name',
  'job-title',
  'personal-email',
  'provisional-start-date',
  'country-code',
  'extra',
  'redirect',
  'lang',
];

// The idle button's label and the load failure, per language: the same labels as
// widget/src/i18n.rs (a widget test checks that they match).
const STRINGS = {
  en: { button: 'Hire with Remote', failed: 'The Hire with Remote button failed to load. Try again.' },
  pt: { button: 'Contratar com a Remote', failed: 'O botão Contratar com a Remote não carregou. Tente de novo.' },
  de: { button: 'Mit Remote einstellen', failed: 'Die Schaltfläche „Mit Remote einstellen“ wurde nicht geladen. Bitte erneut versuchen.' },
};

// For the job site's engineers (the `hwr:error` detail), in English like the other codes' texts.
const LOAD_FAILED =
  "The Hire with Remote button failed to load: its code could not be fetched from the backend, " +
  "or this page's Content-Security-Policy refused it (it needs 'wasm-unsafe-eval' and the backend " +
  'in script-src and connect-src). The browser console says which.';

// What the click opens when it comes before the widget code (as in src/flow/consent.rs).
const POPUP_NAME = 'hwr-consent';
const POPUP_FEATURES = 'popup,width=520,height=680';
// Without these the widget asks for fields or reports a misconfiguration: no consent window.
const NEEDED_FOR_CONSENT = [
  'backend',
  'token',
  'full-name',
  'job-title',
  'personal-email',
  'provisional-start-date',
  'country-code',
];

// What makes the page fetch the widget's code early: signs that a person is about to click.
const INTENT_EVENTS = ['pointerover', 'pointerdown', 'touchstart', 'focusin'];

let sheet = null;
let glue = null; // the loaded module, once it is there
let loading = null; // the load in flight
let idleLoadScheduled = false;
const waiting = new Set(); // elements showing the early button

// The widget's code, fetched and compiled once per page however many buttons there are. The
// wasm download starts together with the glue's, not after it.
function load() {
  if (glue) return Promise.resolve(glue);
  if (!loading) {
    const wasm = fetch(WASM_URL);
    wasm.catch(() => {}); // reported through the glue's init below
    loading = import(GLUE_URL).then(async (module) => {
      await module.default({ module_or_path: wasm });
      return module;
    });
    loading.then(
      (module) => {
        glue = module;
        loading = null;
        for (const element of [...waiting]) element.mountWidget(module);
      },
      (error) => {
        loading = null; // a later intent or click tries again (flaky network)
        console.error('hire-with-remote: the widget failed to load', error);
        for (const element of [...waiting]) element.loadFailed();
      },
    );
  }
  return loading;
}

// Without intent, the code still comes once the page is loaded and the browser has time; a page
// coming back from redirect-mode consent shows its outcome at once.
function scheduleIdleLoad() {
  if (idleLoadScheduled) return;
  idleLoadScheduled = true;
  if (/[?&]hwr_status=/.test(window.location.search)) {
    load();
    return;
  }
  const whenIdle = () =>
    'requestIdleCallback' in window
      ? window.requestIdleCallback(() => load(), { timeout: 2000 })
      : window.setTimeout(load, 200);
  if (document.readyState === 'complete') whenIdle();
  else window.addEventListener('load', whenIdle, { once: true });
}

function stylesheet() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  return sheet;
}

// The `lang` attribute, else the nearest one up the page (as HTML does), as i18n.rs reads it.
function language(element) {
  const tag = element.getAttribute('lang') ?? element.closest('[lang]')?.getAttribute('lang') ?? '';
  const primary = tag.trim().split(/[-_]/)[0].toLowerCase();
  return primary in STRINGS ? primary : 'en';
}

function strings(element) {
  return STRINGS[language(element)];
}

function create(tag, className, parent) {
  const element = document.createElement(tag);
  element.className = className;
  parent?.append(element);
  return element;
}

class HireWithRemoteElement extends HTMLElement {
  static get observedAttributes() {
    return OBSERVED;
  }

  #handle = null;
  #early = null; // { root, form, button, label, text }
  #pressed = false;
  #popup = null; // the consent window an early click opened

  connectedCallback() {
    if (this.#handle) return;
    const shadow = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    if (glue) {
      this.mountWidget(glue);
      return;
    }
    if (!this.#early) this.#renderEarly(shadow);
    waiting.add(this);
    scheduleIdleLoad();
  }

  disconnectedCallback() {
    waiting.delete(this);
    // A click from before the removal is not replayed if the element comes back later.
    if (this.#pressed && this.#early) this.#unpress();
    const handle = this.#handle;
    this.#handle = null;
    if (handle) handle.unmount();
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (oldValue === newValue) return;
    if (this.#handle) this.#handle.set_attribute(name, newValue);
    else if (name === 'lang' && this.#early) {
      this.#early.form.setAttribute('lang', language(this));
      this.#early.label.textContent = strings(this).button;
    }
  }

  // The idle button, as the wasm renders it (view/component.rs), so the hand-over moves nothing.
  #renderEarly(shadow) {
    if (!shadow.adoptedStyleSheets.includes(stylesheet())) {
      shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, stylesheet()];
    }
    const root = create('div', 'hwr-root hwr-root--early', shadow);
    const form = create('form', 'hwr hwr--idle', root);
    form.noValidate = true;
    form.setAttribute('lang', language(this));
    const button = create('button', 'hwr-button', form);
    button.type = 'submit';
    button.setAttribute('aria-disabled', 'false');
    button.setAttribute('aria-busy', 'false');
    create('span', 'hwr-button__spinner', button).setAttribute('aria-hidden', 'true');
    const label = create('span', 'hwr-button__label', button);
    label.textContent = strings(this).button;
    const status = create('div', 'hwr-status', form);
    const text = create('p', 'hwr-status__text', status);
    text.setAttribute('role', 'status');
    text.setAttribute('aria-live', 'polite');
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#press();
    });
    for (const type of INTENT_EVENTS) {
      root.addEventListener(type, () => load(), { passive: true, once: true });
    }
    this.#early = { root, form, button, label, text };
  }

  // A click before the code is here. Popup blockers allow a window only inside the click, so
  // the consent window opens now (blank), unless a field is missing (the widget will ask for it);
  // the button is busy until the code arrives, then the widget's button is pressed and takes the
  // window over (closing it when the employer turns out to be connected already).
  #press() {
    if (this.#pressed) return;
    this.#pressed = true;
    const needsConsent = NEEDED_FOR_CONSENT.every((name) => this.getAttribute(name)?.trim());
    this.#popup = needsConsent ? window.open('', POPUP_NAME, POPUP_FEATURES) : null;
    const { form, button, text } = this.#early;
    form.className = 'hwr hwr--connecting';
    button.setAttribute('aria-disabled', 'true');
    button.setAttribute('aria-busy', 'true');
    text.textContent = '';
    load();
  }

  // Called by load() for every waiting element once the code is here.
  mountWidget(module) {
    waiting.delete(this);
    if (this.#handle || !this.isConnected) return;
    const shadow = this.shadowRoot;
    const early = this.#early;
    const hadFocus = early !== null && early.root.contains(shadow.activeElement);
    this.#handle = module.mount(shadow, this);
    this.#early = null;
    early?.root.remove();
    const pressed = this.#pressed;
    const popup = this.#popup;
    this.#pressed = false;
    this.#popup = null;
    if (hadFocus || pressed) {
      shadow.querySelector('.hwr-root:not(.hwr-root--early) .hwr-button')?.focus();
    }
    if (pressed) this.#handle.press(popup);
  }

  // The early button back to idle (or to `state`), takes clicks again; its window is closed.
  #unpress(state = 'idle') {
    const { form, button } = this.#early;
    this.#pressed = false;
    this.#popup?.close();
    this.#popup = null;
    form.className = `hwr hwr--${state}`;
    button.setAttribute('aria-disabled', 'false');
    button.setAttribute('aria-busy', 'false');
  }

  // Called by load() for every waiting element when the code could not be fetched.
  loadFailed() {
    const early = this.#early;
    if (early) {
      this.#unpress('error');
      early.text.textContent = strings(this).failed;
      // Intent listeners were one-shot: the next click (or intent) tries again.
      for (const type of INTENT_EVENTS) {
        early.root.addEventListener(type, () => load(), { passive: true, once: true });
      }
    }
    this.dispatchEvent(
      new CustomEvent('hwr:error', {
        bubbles: true,
        composed: true,
        detail: { code: 'load_failed', message: LOAD_FAILED },
      }),
    );
  }
}

// Loading this script twice (or two versions of it) must not throw.
if (customElements.get(TAG) === undefined) {
  customElements.define(TAG, HireWithRemoteElement);
}
