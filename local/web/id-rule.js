// The identifier rule (user, thread and client message ids) as the server states it in
// /config.json (protocol.idPattern): a matcher, a sentence for people and an HTML `pattern`
// attribute, all derived from that one source. Plain ES module, no DOM: the pages and Node use it.

/**
 * The rule of `idPatternSource` (a RegExp source). Patterns of the form `^[class]{min,max}$` are
 * described in words ("1-128 letters, digits or . _ : @ | -") and given an HTML pattern; any other
 * pattern is still enforced, described by its source and given no HTML pattern.
 */
export function idRule(idPatternSource) {
  const matcher = new RegExp(idPatternSource);
  const shape = parseCharacterClassPattern(idPatternSource);
  return {
    source: idPatternSource,
    test: (value) => typeof value === 'string' && matcher.test(value),
    description: shape ? describeShape(shape) : `matching ${idPatternSource}`,
    htmlPattern: shape ? htmlPatternOf(shape) : undefined,
  };
}

/** `^[A-Za-z0-9._-]{1,128}$` as {items: [{from, to}] | [{char}], min, max}; undefined for anything else. */
function parseCharacterClassPattern(source) {
  const match = /^\^\[((?:\\.|[^\]\\])+)\]\{(\d+),(\d+)\}\$$/.exec(source);
  if (!match) return undefined;
  const characters = [];
  const body = match[1];
  for (let index = 0; index < body.length; index++) {
    if (body[index] !== '\\') {
      characters.push({ char: body[index], escaped: false });
      continue;
    }
    const escaped = body[++index];
    // \d, \w, \s, \p{…}, \u…: classes and code points are not simple characters; describe by source.
    if (/[A-Za-z0-9]/.test(escaped)) return undefined;
    characters.push({ char: escaped, escaped: true });
  }
  const items = [];
  for (let index = 0; index < characters.length; index++) {
    const dash = characters[index + 1];
    const end = characters[index + 2];
    if (dash && end && dash.char === '-' && !dash.escaped) {
      items.push({ from: characters[index].char, to: end.char });
      index += 2;
    } else items.push({ char: characters[index].char });
  }
  return { items, min: Number(match[2]), max: Number(match[3]) };
}

const RANGE_WORDS = { 'A-Z': 'capital letters', 'a-z': 'small letters', '0-9': 'digits' };

function describeShape({ items, min, max }) {
  const ranges = items.filter((item) => item.from !== undefined).map((item) => `${item.from}-${item.to}`);
  const words = [];
  if (ranges.includes('A-Z') && ranges.includes('a-z')) words.push('letters');
  for (const range of ranges) {
    if (words.includes('letters') && (range === 'A-Z' || range === 'a-z')) continue;
    words.push(RANGE_WORDS[range] ?? range.replace('-', ' to '));
  }
  const singles = items.filter((item) => item.char !== undefined).map((item) => item.char);
  if (singles.length > 0) words.push(singles.join(' '));
  const count = min === max ? `${min}` : `${min}-${max}`;
  const listed = words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}` : words[0];
  return `${count} ${listed}`;
}

/**
 * The rule as an HTML `pattern` (anchored, compiled with the `v` flag, where most punctuation must
 * be escaped): every character but letters and digits is written as a code point escape.
 */
function htmlPatternOf({ items, min, max }) {
  const literal = (char) => (/[A-Za-z0-9]/.test(char) ? char : `\\u{${char.codePointAt(0).toString(16)}}`);
  const body = items.map((item) => (item.char !== undefined ? literal(item.char) : `${literal(item.from)}-${literal(item.to)}`)).join('');
  const pattern = `[${body}]{${min},${max}}`;
  try {
    new RegExp(`^(?:${pattern})$`, 'v');
    return pattern;
  } catch {
    return undefined;
  }
}
