// React: the element's outcome as props of a hook. React 19 passes attributes to custom elements
// but cannot name an event with a colon (`hwr:success`) in JSX, so this hook listens for you.

import { useEffect } from 'react';

/**
 * Listens on the element behind `ref` for `hwr:success`, `hwr:error`, `hwr:exit` and
 * `hwr:status`, and sets its `fetchToken`.
 * @param {{ current: HTMLElement | null }} ref
 * @param {{ onSuccess?: Function, onError?: Function, onExit?: Function, onStatus?: Function, fetchToken?: Function }} handlers
 */
export function useHireWithRemoteEvents(
  ref,
  { onSuccess, onError, onExit, onStatus, fetchToken } = {},
) {
  useEffect(() => {
    const element = ref.current;
    if (!element) return undefined;
    const listeners = [
      ['hwr:success', onSuccess && ((event) => onSuccess(event.detail))],
      ['hwr:error', onError && ((event) => onError(event.detail))],
      ['hwr:exit', onExit && (() => onExit())],
      ['hwr:status', onStatus && ((event) => onStatus(event.detail))],
    ].filter(([, listener]) => listener);
    for (const [type, listener] of listeners) element.addEventListener(type, listener);
    if (fetchToken) element.fetchToken = fetchToken;
    return () => {
      for (const [type, listener] of listeners) element.removeEventListener(type, listener);
    };
  }, [ref, onSuccess, onError, onExit, onStatus, fetchToken]);
}
