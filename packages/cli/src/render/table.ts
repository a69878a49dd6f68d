// kubectl's table look: upper-case headers, left-aligned columns three spaces apart, no
// trailing blanks; an empty cell shows <none>. JSON/YAML print the report model itself.
import { stringify } from 'yaml';

export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [headers, ...rows].map((r) => headers.map((_, i) => (r[i] === undefined || r[i] === '' ? '<none>' : (r[i] as string))));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] as string).length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd((widths[i] as number) + 3))).join('').trimEnd()).join('\n') + '\n';
}

/**
 * The report as JSON: epoch-ms fields named `now`, `since` and `at` become RFC 3339
 * strings (what kubectl prints for times); bigint counts become exact JSON integers
 * (JSON.stringify cannot write them, and a string would change a field's type with its
 * size); everything else as the model holds it.
 */
export function renderJson(report: unknown): string {
  const text = JSON.stringify(document(report), (_key, value: unknown) => (typeof value === 'bigint' ? `${BIGINT_MARK}${value.toString()}` : value), 2);
  return `${text.replace(BIGINT_TEXT, '$1')}\n`;
}

/** The same document as YAML (bigint counts as exact integers). */
export function renderYaml(report: unknown): string {
  return stringify(document(report), { lineWidth: 0 });
}

const TIME_KEYS = new Set(['now', 'since', 'at']);
// A string no report field can hold (U+E000 is a private-use character): marks a bigint
// until the quotes around it are removed.
const BIGINT_MARK = '\uE000bigint:';
const BIGINT_TEXT = /"\uE000bigint:(-?\d+)"/g;

/** The report as plain data: times as RFC 3339 strings, undefined fields left out. */
function document(v: unknown, key = ''): unknown {
  if (TIME_KEYS.has(key) && typeof v === 'number') return new Date(v).toISOString();
  if (Array.isArray(v)) return v.map((x) => document(x));
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, document(x, k)]));
  }
  return v;
}
