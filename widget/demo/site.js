// The demo job site's own script: logs the widget's events, as a real job site would handle them.
const log = document.getElementById('event-log');

function describe(event) {
  const detail = event.detail ?? {};
  switch (event.type) {
    case 'hwr:success':
      return `hire ${detail.hire_id} created (employment ${detail.employment_id}), onboarding at ${detail.redirect_url}`;
    case 'hwr:error':
      return `${detail.code}: ${detail.message}`;
    default:
      return 'the employer closed the consent window or said no';
  }
}

function append(event) {
  const candidate = event.target.getAttribute?.('full-name') ?? 'unknown candidate';
  const item = document.createElement('li');
  item.className = `log__item log__item--${event.type.slice(4)}`;
  const time = document.createElement('time');
  time.className = 'log__time';
  time.textContent = new Date().toLocaleTimeString();
  const name = document.createElement('strong');
  name.textContent = `${event.type} · ${candidate}`;
  const text = document.createElement('span');
  text.textContent = ` ${describe(event)}`;
  item.append(time, ' ', name, text);
  log.prepend(item);
}

for (const type of ['hwr:success', 'hwr:error', 'hwr:exit']) {
  document.addEventListener(type, append);
}

// A site token lives an hour; a page left open longer gets a fresh one from our server when the
// backend refuses the old one.
async function fetchToken() {
  const answer = await fetch('/demo/token', { cache: 'no-store' });
  return (await answer.json()).token;
}
for (const element of document.querySelectorAll('hire-with-remote')) {
  element.fetchToken = fetchToken;
}
