import { describe, expect, it } from 'vitest';
import { renderTimeline, symbolOf, type TimelineSample } from './timeline.js';
import { makeStyle, wantsColor } from './style.js';

const MS = 1_000_000n;
const plain = makeStyle(false);
const nodes = ['node-1', 'node-2', 'node-3'];

/** Samples every 10 ms from `fromMs`, served by what `who(ms)` says (null = failed). */
function loop(fromMs: number, toMs: number, who: (ms: number) => string | null): TimelineSample[] {
  const out: TimelineSample[] = [];
  for (let ms = fromMs; ms < toMs; ms += 10) {
    const node = who(ms);
    out.push({ t: BigInt(ms) * MS, ok: node !== null, node });
  }
  return out;
}

describe('renderTimeline', () => {
  it.each([
    {
      name: 'a failover: node-2 serves, 50 ms fail, node-3 serves',
      samples: loop(0, 1000, (ms) => (ms < 500 ? 'node-2' : ms < 550 ? null : 'node-3')),
      crashMs: 500,
      marginMs: 100,
      rows: [' -0.10s 2222222222 xxxxx33333 33333'],
      markerCol: 8 + 10 + 1,
    },
    {
      name: 'no failure: the window ends margin after the crash',
      samples: loop(0, 1000, () => 'node-1'),
      crashMs: 300,
      marginMs: 50,
      rows: [' -0.05s 1111111111 1'],
      markerCol: 8 + 5,
    },
    {
      name: 'a missing connect is a dot, a stranger a question mark',
      samples: loop(0, 200, (ms) => (ms === 40 ? 'elsewhere' : 'node-1')).filter((s) => s.t !== 20n * MS),
      crashMs: 0,
      marginMs: 100,
      rows: [' +0.00s 11.1?11111 1'],
      markerCol: 8,
    },
  ])('$name', ({ samples, crashMs, marginMs, rows, markerCol }) => {
    const lines = renderTimeline(samples, { crashNs: BigInt(crashMs) * MS, nodes, style: plain, marginMs });
    expect(lines[0]).toBe('one cell = 10 ms of connects from the client: 1 = node-1  2 = node-2  3 = node-3  x = failed  . = no connect');
    const body = lines.slice(1);
    expect(body.filter((l) => !l.includes('^'))).toEqual(rows);
    const marker = body.find((l) => l.includes('^ crash'))!;
    expect(marker.indexOf('^')).toBe(markerCol);
  });

  it('wraps every 50 cells (500 ms) with labels relative to the crash, and marks the crash under its row', () => {
    const samples = loop(0, 3000, (ms) => (ms < 1000 ? 'node-1' : ms < 1400 ? null : 'node-2'));
    const lines = renderTimeline(samples, { crashNs: 1000n * MS, nodes, style: plain });
    expect(lines.slice(1).map((l) => l.slice(0, 8))).toEqual([' -0.30s ', '        ', ' +0.20s ']);
    // The crash is cell 30 of row 1: after 3 groups of 10 and their 3 separators.
    expect(lines[2]).toBe(`${' '.repeat(8 + 30 + 3)}^ crash`);
    expect(lines[1]).toBe(' -0.30s 1111111111 1111111111 1111111111 xxxxxxxxxx xxxxxxxxxx');
    // 300 ms after the last failure (at 1390 ms) ends the window at 1690 ms: 100 cells.
    expect(lines[3]).toBe(' +0.20s xxxxxxxxxx xxxxxxxxxx 2222222222 2222222222 2222222222');
  });

  it('a failure anywhere in a cell marks the cell failed', () => {
    const samples = [{ t: 0n, ok: true, node: 'node-1' }, { t: 5n * MS, ok: false, node: null }, { t: 10n * MS, ok: true, node: 'node-1' }];
    expect(renderTimeline(samples, { crashNs: 0n, nodes, style: plain, marginMs: 10 })[1]).toBe(' +0.00s x1');
  });

  it('caps the rows', () => {
    const samples = loop(0, 60_000, () => null);
    const lines = renderTimeline(samples, { crashNs: 0n, nodes, style: plain, maxRows: 2 });
    expect(lines.at(-1)).toBe('(cut after 2 rows)');
    expect(lines.filter((l) => /^\s+[+-]\d/.test(l))).toHaveLength(2);
  });

  it('says so when there are no samples', () => {
    expect(renderTimeline([], { crashNs: 0n, nodes, style: plain })[1]).toBe('(no connects recorded)');
  });

  it('uses no escape sequences without colour, and colours symbols with it', () => {
    const samples = loop(0, 200, (ms) => (ms < 100 ? 'node-1' : null));
    expect(renderTimeline(samples, { crashNs: 100n * MS, nodes, style: plain }).join('\n')).not.toContain('\x1b');
    const coloured = renderTimeline(samples, { crashNs: 100n * MS, nodes, style: makeStyle(true) }).join('\n');
    expect(coloured).toContain('\x1b[32m1\x1b[0m');
    expect(coloured).toContain('\x1b[1;31mx\x1b[0m');
  });
});

describe('symbols and colour choice', () => {
  it.each([
    [0, '1'],
    [8, '9'],
    [9, 'a'],
    [10, 'b'],
  ])('node index %i is drawn as %s', (i, s) => expect(symbolOf(i)).toBe(s));

  it.each([
    { isTTY: true, env: {}, color: true },
    { isTTY: true, env: { NO_COLOR: '1' }, color: false },
    { isTTY: true, env: { NO_COLOR: '' }, color: true },
    { isTTY: false, env: {}, color: false },
    { isTTY: undefined, env: {}, color: false },
  ])('TTY $isTTY, env $env → colour $color', ({ isTTY, env, color }) => expect(wantsColor(isTTY, env)).toBe(color));
});
