// Colour for the demo's output: only on a terminal, never with NO_COLOR (no-color.org),
// and never any cursor movement, so a CI log reads exactly like the terminal did.

export interface Style {
  readonly color: boolean;
  /** The n-th node's colour (0-based). */
  node(i: number, s: string): string;
  fail(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  good(s: string): string;
}

const NODE_COLORS = [32, 36, 35, 33, 34];

/** Colour when stdout is a TTY and NO_COLOR is unset or empty. */
export function wantsColor(isTTY: boolean | undefined, env: Readonly<Record<string, string | undefined>>): boolean {
  return isTTY === true && !env.NO_COLOR;
}

export function makeStyle(color: boolean): Style {
  const sgr = (code: string) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  return {
    color,
    node: (i, s) => sgr(String(NODE_COLORS[i % NODE_COLORS.length]))(s),
    fail: sgr('1;31'),
    dim: sgr('2'),
    bold: sgr('1'),
    good: sgr('32'),
  };
}
