// A job site built with React 19 and the npm package: it loads the element from the backend,
// renders it in JSX with a fresh site token, and takes the outcome through the package's hook.

import { StrictMode, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { loadHireWithRemote } from 'hire-with-remote';
import { useHireWithRemoteEvents } from 'hire-with-remote/react';

const backend = new URLSearchParams(location.search).get('backend');

function App() {
  const [token, setToken] = useState(null);
  const [outcome, setOutcome] = useState('');
  const ref = useRef(null);
  useEffect(() => {
    void loadHireWithRemote(backend);
    fetch('/demo/token')
      .then((answer) => answer.json())
      .then((answer) => setToken(answer.token));
  }, []);
  useHireWithRemoteEvents(ref, {
    onSuccess: (hire) => setOutcome(`Hired: ${hire.employment_id}`),
    onError: (error) => setOutcome(`Failed: ${error.code}`),
  });
  if (!token) return <p>Loading…</p>;
  return (
    <main>
      <h1>React 19 job site</h1>
      <hire-with-remote
        ref={ref}
        backend={backend}
        token={token}
        full-name="Ana Silva"
        job-title="Backend Engineer"
        personal-email="ana.react@example.com"
        provisional-start-date="2030-01-14"
        country-code="PT"
        redirect="none"
      />
      <p data-testid="outcome">{outcome}</p>
    </main>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
