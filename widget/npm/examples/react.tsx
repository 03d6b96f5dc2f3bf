// Compiled by the type test (`tsc --noEmit`): the element in React 19 JSX, with the hook.
import { useRef } from 'react';

import { loadHireWithRemote, type HireWithRemoteElement } from 'hire-with-remote';
import { useHireWithRemoteEvents } from 'hire-with-remote/react';

void loadHireWithRemote('https://hire.example.com');

export function HireButton({ token }: { token: string }) {
  const ref = useRef<HireWithRemoteElement>(null);
  useHireWithRemoteEvents(ref, {
    onSuccess: (hire) => console.log(hire.employment_id.toUpperCase(), hire.already_hired === true),
    onError: (error) => console.warn(error.code, error.message),
    onExit: () => console.log('closed'),
    onStatus: (hire) => console.log(hire.hire_id, hire.employment_id, hire.status.toUpperCase()),
    fetchToken: async () => token,
  });
  return (
    <hire-with-remote
      ref={ref}
      backend="https://hire.example.com"
      token={token}
      full-name="Ana Silva"
      job-title="Backend Engineer"
      personal-email="ana@example.com"
      provisional-start-date="2027-01-11"
      country-code="PT"
      redirect="none"
      lang="pt"
    />
  );
}
