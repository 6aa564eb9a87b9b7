// The identity part of both pages' forms: an id field in development mode, a token field in token
// mode (the token kept in this tab's session storage, so a reload reconnects). The id rule is the
// server's (id-rule.js over /config.json protocol.idPattern): the fields and messages say what it says.

/**
 * Shows the field the server's auth mode needs and submits through `onSubmit`. `idInputs`: every id
 * field of the form (user, agent, thread), given the rule's HTML pattern. Returns the saved token.
 */
export function setUpIdentityForm({ jwt, rule, idInputs, idInput, idField, tokenKey, form, onSubmit }) {
  const $ = (id) => document.getElementById(id);
  $('dev-warning').hidden = jwt;
  idField.hidden = jwt;
  $('token-field').hidden = !jwt;
  idInput.required = !jwt;
  $('token').required = jwt;
  // The forms are `novalidate` (the page words the problems): the pattern only marks a field :invalid.
  if (rule.htmlPattern) for (const input of idInputs) input.pattern = rule.htmlPattern;
  const savedToken = jwt ? window.sessionStorage.getItem(tokenKey) : null;
  if (savedToken) $('token').value = savedToken;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onSubmit();
  });
  return savedToken;
}

/**
 * Enables the form's controls, which the page serves disabled: a value typed before the page has
 * set up the form would be overwritten by its defaults, and a submit would reload the page.
 */
export function enableForm(form) {
  for (const control of form.elements) control.disabled = false;
}

/** What is wrong with an id field's value, or '': "Thread: 1-128 letters, digits or …". */
export function idProblem(rule, label, value) {
  return rule.test(value) ? '' : `${label}: ${rule.description}`;
}

/** What is wrong with the id (development mode) or pasted token (token mode) of a form, or ''. */
export function identityProblem({ jwt, rule, label, id, token }) {
  if (!jwt) return idProblem(rule, label, id);
  return token.split('.').length === 3 ? '' : 'Token: paste a JWT (three dot-separated parts)';
}
