/**
 * terraform-docs' Markdown table formatting (terraform-docs v0.22+, default settings: anchors, HTML,
 * escaping on), ported so the module's README tables are what `terraform-docs markdown table` prints for
 * the module, without the tool. Ported from its template/sanitizer.go, template/anchor.go and
 * format/util.go; only URL detection is approximated (see {@link normalizeUrls}).
 */

/** Go's `\s` (RE2 Perl class): ASCII whitespace only, unlike JavaScript's. */
const GO_SPACE = '\\t\\n\\f\\r ';

/** `s` split at `prefix`, alternating text and code, as terraform-docs' processSegments (quirks included). */
function processSegments(s: string, prefix: string, normal: (segment: string) => string, code: (segment: string) => string): string {
  let nextIsInCodeBlock = s.startsWith(prefix);
  let result = '';
  for (const segment of s.split(prefix)) {
    // An empty segment is skipped without switching between text and code (as terraform-docs does).
    if (segment.length === 0) continue;
    result += nextIsInCodeBlock ? code(segment) : normal(segment);
    nextIsInCodeBlock = !nextIsInCodeBlock;
  }
  return result;
}

/**
 * Escapes `char` in one line, except where it reads as Markdown emphasis (`_word_`) or a list marker.
 * terraform-docs works on UTF-8 bytes and reuses match offsets after each replacement; a byte string
 * (latin1, one char a byte) keeps both behaviours exactly.
 */
function escapeInLine(text: string, char: string): string {
  const keep = Buffer.from('‡‡‡DONTESCAPE‡‡‡', 'utf8').toString('latin1');
  let line = Buffer.from(text, 'utf8').toString('latin1');
  const cases = [
    { pattern: new RegExp(`^([${GO_SPACE}]*)(${char}+)([${GO_SPACE}]+)([^\\n]*)`, 'dg'), groups: [2] },
    {
      pattern: new RegExp(
        `([${GO_SPACE}]+)(${char}+)([^${GO_SPACE}${char}])([^\\n]*)([^${GO_SPACE}${char}])(${char}+)([${GO_SPACE}]+)`,
        'dg',
      ),
      groups: [6, 2],
    },
  ];
  for (const { pattern, groups } of cases) {
    for (const match of [...line.matchAll(pattern)]) {
      for (const group of groups) {
        const [start, end] = match.indices![group]!;
        line = line.slice(0, start) + match[group].split(char).join(keep) + line.slice(end);
      }
    }
  }
  line = line.split(char).join(`\\${char}`).split(keep).join(char);
  return Buffer.from(line, 'latin1').toString('utf8');
}

/** terraform-docs' EscapeCharacters: `|` (tables) and `_` outside code spans. */
function escapeCharacters(s: string, escapePipe: boolean): string {
  const inBackticks = (segment: string): string => `\`${segment}\``;
  let result = s;
  if (escapePipe) result = processSegments(result, '`', (segment) => segment.split('|').join('\\|'), inBackticks);
  return processSegments(
    result,
    '`',
    (segment) =>
      segment
        .split('\n')
        .map((line) => escapeInLine(line, '_'))
        .join('\n'),
    inBackticks,
  );
}

/** terraform-docs' ConvertMultiLineText for a table cell with HTML: line breaks become `<br/>`. */
function convertMultiLineText(s: string): string {
  let result = s.trim();
  result = result.replace(new RegExp(`([^${GO_SPACE}]*)(\\r?\\n)([${GO_SPACE}]*)(\\w+)`, 'g'), '$1  $2$3$4');
  result = result.split('    \n').join('  \n').split('  \n\n').join('\n\n').split('\n  \n').join('\n\n');
  return result.split('  \n').join('<br/>').split('\n').join('<br/>');
}

/**
 * Undoes escaping inside URLs. terraform-docs finds them with xurls' strict matcher; this takes a scheme,
 * `://` and what follows up to whitespace, which agrees on URLs written plainly in a description.
 */
function normalizeUrls(s: string): string {
  return s.replace(/[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s]+/g, (url) => url.split('\\').join(''));
}

/** terraform-docs' sanitizeMarkdownTbl: a value made fit for a Markdown table cell. */
export function markdownTableCell(s: string): string {
  if (s === '') return 'n/a';
  return processSegments(
    s,
    '```',
    (segment) => normalizeUrls(convertMultiLineText(escapeCharacters(segment, true))),
    (segment) => `<pre>${segment.trim().split('\n').join('<br/>').split('\r').join('')}</pre>`,
  );
}

/** terraform-docs' PrintFencedCodeBlock: inline code, or a fenced block for several lines. */
export function fencedCode(code: string): string {
  return code.includes('\n') ? `\n\n\`\`\`\n${code}\n\`\`\`\n` : `\`${code}\``;
}

/** terraform-docs' anchored name: `<a name="input_x_y"></a> [x\_y](#input\_x\_y)`. */
export function anchoredName(prefix: string, name: string): string {
  const escape = (text: string): string => text.split('_').join('\\_');
  return `<a name="${prefix}_${name}"></a> [${escape(name)}](#${escape(`${prefix}_${name}`)})`;
}

/**
 * A variable's default as terraform-docs shows it: Go's indented JSON of the value (keys sorted, HTML not
 * escaped), `null` for an explicit null, empty for a required variable.
 */
export function defaultValueText(value: unknown, required: boolean): string {
  if (required) return '';
  return JSON.stringify(sortKeys(value ?? null), null, 2);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    // Go encodes map keys in byte order; for the ASCII keys of settings UTF-16 order is the same.
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]));
  }
  return value;
}

/** A Markdown table as terraform-docs writes it: header, `| ---- |` delimiter row (its widths), rows. */
export function terraformDocsTable(header: readonly string[], delimiters: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(delimiters), ...rows.map(line)].join('\n');
}
