// The failover drawn as text: one cell per 10 ms of the client's connect loop, showing
// which node served the connect started in that cell, or that it failed. Pure.
import type { Style } from './style.js';

export interface TimelineSample {
  /** Start of the connect, ns on the monotonic clock. */
  readonly t: bigint;
  readonly ok: boolean;
  /** The node that answered (its name), null when the connect failed. */
  readonly node: string | null;
}

export interface TimelineOptions {
  /** When the owner was crashed, on the samples' clock. */
  readonly crashNs: bigint;
  /** Node names; the i-th is drawn as its symbol (1, 2, … then a, b, …). */
  readonly nodes: readonly string[];
  readonly style: Style;
  readonly cellMs?: number;
  readonly cellsPerRow?: number;
  /** How much to show before the crash and after the last failed connect. */
  readonly marginMs?: number;
  readonly maxRows?: number;
}

export const FAILED = 'x';
export const EMPTY = '.';

/** 1..9 then a..z: one character per node. */
export function symbolOf(index: number): string {
  return index < 9 ? String(index + 1) : String.fromCharCode(97 + index - 9);
}

type Cell = { kind: 'node'; index: number } | { kind: 'failed' } | { kind: 'empty' } | { kind: 'unknown' };

/** A cell shows its connects' node if they all went to one; any failure (or a stranger) wins. */
function cellOf(samples: readonly TimelineSample[], nodes: readonly string[]): Cell {
  if (samples.length === 0) return { kind: 'empty' };
  if (samples.some((s) => !s.ok)) return { kind: 'failed' };
  const idx = new Set(samples.map((s) => nodes.indexOf(s.node ?? '')));
  const [only] = idx;
  return idx.size === 1 && only !== undefined && only >= 0 ? { kind: 'node', index: only } : { kind: 'unknown' };
}

function draw(c: Cell, st: Style): string {
  switch (c.kind) {
    case 'node':
      return st.node(c.index, symbolOf(c.index));
    case 'failed':
      return st.fail(FAILED);
    case 'empty':
      return st.dim(EMPTY);
    case 'unknown':
      return '?';
  }
}

const offsetLabel = (ms: number) => `${ms < 0 ? '-' : '+'}${(Math.abs(ms) / 1000).toFixed(2)}s`;

/**
 * Lines of the timeline: a legend, then rows of `cellsPerRow` cells (a space every 10
 * cells), each labelled with its start relative to the crash, and a `^ crash` marker
 * under the crash's cell. The window runs from `marginMs` before the crash to `marginMs`
 * after the last failed connect (or after the crash when none failed), within the samples.
 */
export function renderTimeline(samples: readonly TimelineSample[], o: TimelineOptions): string[] {
  const cellNs = BigInt(Math.round((o.cellMs ?? 10) * 1e6));
  const perRow = o.cellsPerRow ?? 50;
  const marginNs = BigInt(Math.round((o.marginMs ?? 300) * 1e6));
  const maxRows = o.maxRows ?? 20;
  const st = o.style;
  const sorted = [...samples].sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  const legend = [
    ...o.nodes.map((n, i) => `${st.node(i, symbolOf(i))} = ${n}`),
    `${st.fail(FAILED)} = failed`,
    `${st.dim(EMPTY)} = no connect`,
  ].join('  ');
  const cellMs = Number(cellNs) / 1e6;
  const head = `one cell = ${cellMs} ms of connects from the client: ${legend}`;
  if (sorted.length === 0) return [head, '(no connects recorded)'];
  const lastFail = sorted.filter((s) => !s.ok && s.t >= o.crashNs).at(-1)?.t ?? o.crashNs;
  const first = sorted[0]!.t;
  const last = sorted.at(-1)!.t;
  const start = o.crashNs - marginNs > first ? o.crashNs - marginNs : first;
  const end = lastFail + marginNs < last ? lastFail + marginNs : last;
  const wanted = Number((end - start) / cellNs) + 1;
  const cut = wanted > perRow * maxRows;
  const cells = cut ? perRow * maxRows : wanted;
  const buckets: TimelineSample[][] = Array.from({ length: cells }, () => []);
  for (const s of sorted) {
    if (s.t < start) continue;
    const i = Number((s.t - start) / cellNs);
    if (i < cells) buckets[i]!.push(s);
  }
  const crashCell = Number((o.crashNs - start) / cellNs);
  const labelWidth = 8;
  const lines = [head];
  for (let row = 0; row * perRow < cells; row++) {
    const from = row * perRow;
    const to = Math.min(cells, from + perRow);
    let text = '';
    for (let i = from; i < to; i++) {
      if (i > from && (i - from) % 10 === 0) text += ' ';
      text += draw(cellOf(buckets[i]!, o.nodes), st);
    }
    const startMs = Number(start + cellNs * BigInt(from) - o.crashNs) / 1e6;
    lines.push(`${offsetLabel(startMs).padStart(labelWidth - 1)} ${text}`);
    if (crashCell >= from && crashCell < to) {
      const col = crashCell - from;
      lines.push(`${' '.repeat(labelWidth + col + Math.floor(col / 10))}${st.bold('^ crash')}`);
    }
  }
  if (cut) lines.push(`(cut after ${maxRows} rows)`);
  return lines;
}
