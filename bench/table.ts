/** Plain-text tables for the terminal (and the markdown twin help/performance.md embeds). */

export type Cell = string | number | undefined | null;

function text(cell: Cell): string {
  if (cell === undefined || cell === null) return '-';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '-';
  return cell;
}

export function formatTable(headers: readonly string[], rows: readonly Cell[][]): string {
  const cells = [headers.map(String), ...rows.map((row) => row.map(text))];
  const widths = headers.map((_, col) => Math.max(...cells.map((row) => (row[col] ?? '').length)));
  const numeric = headers.map((_, col) => rows.length > 0 && rows.every((row) => typeof row[col] === 'number' || row[col] === undefined || row[col] === null));
  const render = (row: string[]): string =>
    row.map((cell, col) => (numeric[col] ? cell.padStart(widths[col]) : cell.padEnd(widths[col]))).join('  ').trimEnd();
  return [render(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(render)].join('\n');
}

export function markdownTable(headers: readonly string[], rows: readonly Cell[][]): string {
  const escape = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    `| ${headers.map(escape).join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map((cell) => escape(text(cell))).join(' | ')} |`),
  ].join('\n');
}
