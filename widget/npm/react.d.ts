// React 19 typings: JSX for <hire-with-remote>, and the hook for its events.

import type { DetailedHTMLProps, HTMLAttributes, RefObject } from 'react';

import type {
  HireErrorDetail,
  HireStatusDetail,
  HireSuccessDetail,
  HireWithRemoteAttributes,
  HireWithRemoteElement,
} from './index.js';

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'hire-with-remote': DetailedHTMLProps<
        HTMLAttributes<HireWithRemoteElement>,
        HireWithRemoteElement
      > &
        HireWithRemoteAttributes;
    }
  }
}

/** What the element's events call. */
export interface HireWithRemoteHandlers {
  onSuccess?: (hire: HireSuccessDetail) => void;
  onError?: (error: HireErrorDetail) => void;
  onExit?: () => void;
  /** The candidate is hired already, or was just hired: its status, once known and on change. */
  onStatus?: (hire: HireStatusDetail) => void;
  /** Set as the element's `fetchToken`: a fresh site token when the backend refuses the old one. */
  fetchToken?: () => Promise<string> | string;
}

/** Listens on the element behind `ref` for its events, and sets its `fetchToken`. */
export function useHireWithRemoteEvents(
  ref: RefObject<HireWithRemoteElement | null>,
  handlers: HireWithRemoteHandlers,
): void;
