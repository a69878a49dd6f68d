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
 * strings (what kubectl prints for times), everything else as the model holds it.
 */
export function renderJson(report: unknown): string {
  return `${JSON.stringify(report, timeReplacer, 2)}\n`;
}

/** The same document as YAML (via the yaml library, from the JSON form). */
export function renderYaml(report: unknown): string {
  return stringify(JSON.parse(renderJson(report)), { lineWidth: 0 });
}

const TIME_KEYS = new Set(['now', 'since', 'at']);

function timeReplacer(key: string, value: unknown): unknown {
  if (TIME_KEYS.has(key) && typeof value === 'number') return new Date(value).toISOString();
  return value;
}
