// The shell commands a Markdown page shows: every line of its ```sh blocks, with
// continuation lines joined, trailing `  # comments` and `$ ` prompts removed, and blank
// or comment-only lines skipped. Used to prove that every command in the docs is run by
// a test (test/docs/commands.unit.test.ts and the e2e files it names).
import { readFileSync } from 'node:fs';

export interface DocCommand {
  /** Repository-relative path of the page. */
  readonly file: string;
  /** 1-based line of the command's first line. */
  readonly line: number;
  readonly command: string;
}

export function docCommands(path: string, file: string): DocCommand[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: DocCommand[] = [];
  let inSh = false;
  let pending: { line: number; text: string } | undefined;
  lines.forEach((raw, i) => {
    const fence = /^\s*```(\S*)/.exec(raw);
    if (fence) {
      inSh = !inSh && fence[1] === 'sh';
      pending = undefined;
      return;
    }
    if (!inSh) return;
    const text = raw.replace(/^\s*\$ /, '').replace(/\s+#\s.*$/, '').trim();
    if (text === '' || text.startsWith('#')) return;
    const joined = pending ? `${pending.text} ${text}` : text;
    const start = pending?.line ?? i + 1;
    if (joined.endsWith('\\')) {
      pending = { line: start, text: joined.slice(0, -1).trim() };
      return;
    }
    pending = undefined;
    out.push({ file, line: start, command: joined });
  });
  return out;
}
