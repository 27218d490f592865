/* The player's requests to the playback API: JSON with the session cookie. */

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  const field = document.getElementById("player-csrf");
  return field ? field.value : "";
}

/** POST JSON with the session cookie and CSRF header; {status, data}. */
export async function post(url, body, { keepalive = false } = {}) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    keepalive,
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": csrfToken(),
    },
    body: JSON.stringify(body),
  });
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null; // an HTML error page from a proxy, say
    }
  }
  return { status: response.status, data };
}

/**
 * Send a telemetry batch, with the CDN pathway its events happened on (if
 * any). sendBeacon outlives the page and needs no CSRF header (the server
 * checks the Origin instead); its body goes as text/plain JSON. Where it is
 * missing or refuses, a keepalive fetch.
 */
export function beacon(url, events, pathway = "") {
  const batch = pathway ? { events, pathway } : { events };
  const body = JSON.stringify(batch);
  const beaconed = navigator.sendBeacon ? navigator.sendBeacon(url, body) : false;
  if (!beaconed) post(url, batch, { keepalive: true }).catch(() => {});
}
