// The connection status line of a page (a role=status element): what a ChatClient's connection is doing.

export function setStatus(element, text, state) {
  element.textContent = text;
  element.dataset.state = state;
}

/**
 * Keeps `element` saying how `client` is connected: "Connecting…" before the first open, the page's
 * own `connectedText()` once open, and why it is not ("Not connected" when refused, the close code and
 * the reconnect delay otherwise). A closed client says nothing more.
 */
export function followConnection(element, client, connectedText) {
  client.addEventListener('connecting', ({ detail }) => {
    if (!detail.reconnect) setStatus(element, 'Connecting…', 'connecting');
  });
  client.addEventListener('open', () => setStatus(element, connectedText(), 'connected'));
  client.addEventListener('close', ({ detail }) => {
    if (detail.refused) setStatus(element, 'Not connected', 'error');
    else setStatus(element, `Disconnected (code ${detail.code}); reconnecting in ${Math.round(detail.reconnectInMs / 1000)} s…`, 'error');
  });
}
