// What the pages say about an error the server answered: wording only. Which codes exist and which are
// worth retrying is the server's to say (/config.json protocol.errorCodes, retryableErrorCodes).

/** A short lead for the codes the pages word specially; any other code is shown by its message alone. */
const LEADS = {
  RATE_LIMITED: 'Slow down',
  FORBIDDEN: 'Not allowed',
  PAYLOAD_TOO_LARGE: 'Too long',
  VALIDATION_ERROR: 'Invalid',
  INTERNAL_ERROR: 'Server error',
  UNKNOWN_ACTION: 'Unknown action',
};

/** Human text for an error ({code, message}: an error frame, or a ChatClient `error` event). */
export function describeError({ code, message }) {
  const lead = code === undefined ? undefined : LEADS[code];
  return lead ? `${lead}: ${message}` : message || 'Request failed';
}
