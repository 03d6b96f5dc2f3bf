// Types for the <hire-with-remote> element (see the backend's README, "Embed the button").

/** `hwr:success`: the hire exists; fired before the page goes to onboarding. */
export interface HireSuccessDetail {
  hire_id: string;
  employment_id: string;
  redirect_url: string;
  /** True when the company employed this candidate already: nothing new was created, and
   * `redirect_url` is a fresh onboarding link to the earlier hire. */
  already_hired: boolean;
}

/** `hwr:status`: the candidate is hired (the page's lookup found them, or this button hired
 * them); fired once the status is known, and again when it changes. */
export interface HireStatusDetail {
  hire_id: string;
  employment_id: string;
  /** Remote's employment status. */
  status:
    | 'created'
    | 'initiated'
    | 'invited'
    | 'pending'
    | 'review'
    | 'active'
    | 'offboarding'
    | 'archived'
    | 'deleted'
    | (string & {});
}

/** `hwr:error`: a stable code (the backend's error codes, or the widget's own) and a sentence. */
export interface HireErrorDetail {
  code:
    | 'unauthorized'
    | 'forbidden_origin'
    | 'not_found'
    | 'not_connected'
    | 'reconsent_required'
    | 'hire_in_progress'
    | 'idempotency_key_required'
    | 'idempotency_key_reused'
    | 'validation_failed'
    | 'unsupported_country'
    | 'upstream_rejected'
    | 'payload_too_large'
    | 'rate_limited'
    | 'upstream_unavailable'
    | 'backend_unreachable'
    | 'network_error'
    | 'unexpected_response'
    | 'consent_expired'
    | 'consent_failed'
    | 'consent_elsewhere'
    | 'misconfigured'
    | 'load_failed'
    | (string & {});
  message: string;
}

/** The element's attributes (all strings, as in HTML). */
export interface HireWithRemoteAttributes {
  backend: string;
  token: string;
  'full-name'?: string;
  'job-title'?: string;
  'personal-email'?: string;
  /** `YYYY-MM-DD`, today or later. */
  'provisional-start-date'?: string;
  /** ISO 3166-1 alpha-2 or alpha-3, any case. */
  'country-code'?: string;
  /**
   * JSON object pre-filling the country's extra fields by name, e.g.
   * `{"tax_job_category":"engineering"}` (strings, arrays of strings, whole numbers). Invalid
   * JSON is ignored with a console warning.
   */
  extra?: string;
  /** `none`: the page handles `hwr:success` itself instead of going to onboarding. */
  redirect?: 'none' | 'auto';
  lang?: 'en' | 'pt' | 'de';
}

export interface HireWithRemoteEventMap extends HTMLElementEventMap {
  'hwr:success': CustomEvent<HireSuccessDetail>;
  'hwr:error': CustomEvent<HireErrorDetail>;
  'hwr:exit': CustomEvent<null>;
  'hwr:status': CustomEvent<HireStatusDetail>;
}

/** The `<hire-with-remote>` element. */
export interface HireWithRemoteElement extends HTMLElement {
  /** Called when the backend refuses the site token (401): resolve to a fresh one. */
  fetchToken?: () => Promise<string> | string;
  addEventListener<K extends keyof HireWithRemoteEventMap>(
    type: K,
    listener: (this: HireWithRemoteElement, event: HireWithRemoteEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof HireWithRemoteEventMap>(
    type: K,
    listener: (this: HireWithRemoteElement, event: HireWithRemoteEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions,
  ): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'hire-with-remote': HireWithRemoteElement;
  }
}

/** Adds the element's script from `backend` (once) and resolves when the element is defined. */
export function loadHireWithRemote(backend: string): Promise<void>;

/** The element's event names. */
export const HWR_EVENTS: {
  readonly success: 'hwr:success';
  readonly error: 'hwr:error';
  readonly exit: 'hwr:exit';
  readonly status: 'hwr:status';
};
