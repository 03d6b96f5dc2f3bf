// The demo job site's own script, as a real job site would have one: it logs the widget's events
// and the webhooks our server received from the backend (GET /demo/webhooks, polled every two
// seconds; our server checked each one's signature before answering it).
const log = document.getElementById('event-log');

/** One line of the log, newest on top. */
function addItem(kind, at, title, text) {
  const item = document.createElement('li');
  item.className = `log__item log__item--${kind}`;
  const time = document.createElement('time');
  time.className = 'log__time';
  time.dateTime = at.toISOString();
  time.textContent = at.toLocaleTimeString();
  const name = document.createElement('strong');
  name.textContent = title;
  const rest = document.createElement('span');
  rest.textContent = ` ${text}`;
  item.append(time, ' ', name, rest);
  log.prepend(item);
}

// --- the widget's DOM events ---------------------------------------------------------------

function describe(event) {
  const detail = event.detail ?? {};
  switch (event.type) {
    case 'hwr:success':
      return detail.already_hired
        ? `already in Remote: hire ${detail.hire_id} (employment ${detail.employment_id}), nothing new created; onboarding at ${detail.redirect_url}`
        : `hire ${detail.hire_id} created (employment ${detail.employment_id}), onboarding at ${detail.redirect_url}`;
    case 'hwr:error':
      return `${detail.code}: ${detail.message}`;
    case 'hwr:status':
      return `${detail.status} (hire ${detail.hire_id}, employment ${detail.employment_id})`;
    default:
      return 'the employer closed the consent window or said no';
  }
}

function appendEvent(event) {
  const candidate = event.target.getAttribute?.('full-name') ?? 'unknown candidate';
  addItem(event.type.slice(4), new Date(), `${event.type} · ${candidate}`, describe(event));
}

for (const type of ['hwr:success', 'hwr:error', 'hwr:exit', 'hwr:status']) {
  document.addEventListener(type, appendEvent);
}

// --- the backend's webhooks, as our server received them -------------------------------------

function describeWebhook(delivery) {
  const data = delivery.data ?? {};
  const parts = [];
  if (delivery.type === 'hire.status_changed' && data.previous_status) {
    parts.push(`${data.previous_status} → ${data.status}`);
  } else if (data.status) {
    parts.push(`status ${data.status}`);
  }
  if (delivery.answered === 500) {
    parts.push('answered 500 on purpose (POST /demo/webhooks/fail): the backend will retry');
  } else if (delivery.verified) {
    parts.push('signature verified');
  } else {
    parts.push(`signature NOT verified (${delivery.refused_because}): answered 401`);
  }
  return `· ${parts.join(' · ')}`;
}

function appendWebhook(delivery) {
  const candidate = delivery.data?.candidate?.full_name || 'unknown candidate';
  let kind = 'webhook';
  if (delivery.answered === 500) kind = 'webhook-failed';
  else if (!delivery.verified) kind = 'webhook-refused';
  addItem(
    kind,
    new Date(delivery.received_at),
    `webhook ${delivery.type ?? '(no type)'} · ${candidate}`,
    describeWebhook(delivery),
  );
}

let lastSeen = 0;

async function pollWebhooks() {
  try {
    const answer = await fetch(`/demo/webhooks?after=${lastSeen}`, { cache: 'no-store' });
    if (answer.ok) {
      for (const delivery of (await answer.json()).webhooks) {
        if (delivery.seq <= lastSeen) continue;
        lastSeen = delivery.seq;
        appendWebhook(delivery);
      }
    }
  } catch {
    // Our server is restarting, or the page is going away: the next poll tries again.
  }
  setTimeout(pollWebhooks, 2000);
}
pollWebhooks();

// --- site tokens -------------------------------------------------------------------------------

// A site token lives an hour; a page left open longer gets a fresh one from our server when the
// backend refuses the old one.
async function fetchToken() {
  const answer = await fetch('/demo/token', { cache: 'no-store' });
  return (await answer.json()).token;
}
for (const element of document.querySelectorAll('hire-with-remote')) {
  element.fetchToken = fetchToken;
}
