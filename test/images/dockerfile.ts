// Reads what a Dockerfile's final stage says about the image it makes: USER, ENTRYPOINT,
// CMD, WORKDIR, ENV, LABEL, EXPOSE and its COPY --from lines. The image test builds the
// image without Docker from exactly these, so the Dockerfile users build and the image
// tested here cannot drift. Pure: text in, description out; a construct it does not
// understand is an error naming the line, never a silent guess.

export interface DockerCopy {
  /** The stage (or image) copied from; undefined for the build context. */
  readonly from?: string;
  readonly sources: readonly string[];
  /** Destination, absolute (relative ones are resolved against the WORKDIR then). */
  readonly dest: string;
}

/** An earlier (named) stage: what it starts from, copies in and runs. */
export interface BuildStage {
  readonly name: string;
  readonly base: string;
  /** The WORKDIR its RUN instructions run in (the last one set). */
  readonly workdir: string;
  readonly copies: readonly DockerCopy[];
  /** Shell-form RUN commands, in order. */
  readonly runs: readonly string[];
}

export interface FinalStage {
  /** The FROM of the final stage, with ARGs substituted. */
  readonly base: string;
  /** Names of the earlier stages (FROM ... AS name). */
  readonly stages: readonly string[];
  readonly earlier: readonly BuildStage[];
  readonly user?: string;
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly workdir: string;
  /** In order of appearance; later ENV of a name overrides earlier. */
  readonly env: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** As OCI spells them: "7473/tcp", "7946/udp". */
  readonly exposed: readonly string[];
  readonly copies: readonly DockerCopy[];
}

export class DockerfileError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'DockerfileError';
  }
}

interface Instruction {
  readonly line: number;
  readonly op: string;
  readonly rest: string;
}

/** Joins continuation lines (trailing backslash) and drops comments and blank lines. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (buf === '' && /^\s*(#.*)?$/.test(line)) return;
    // Comment lines inside a continued instruction are skipped, as BuildKit does.
    if (buf !== '' && /^\s*#/.test(line)) return;
    if (buf === '') start = i + 1;
    const cont = /\\\s*$/.test(line);
    buf += (buf === '' ? '' : ' ') + (cont ? line.replace(/\\\s*$/, '') : line).trim();
    if (cont) return;
    const m = /^(\S+)\s*(.*)$/.exec(buf)!;
    out.push({ line: start, op: m[1]!.toUpperCase(), rest: m[2]!.trim() });
    buf = '';
  });
  return out;
}

/** Splits `a=b c="d e"` into pairs; quotes may hold spaces and escaped quotes. */
function keyValues(file: string, ins: Instruction): [string, string][] {
  const pairs: [string, string][] = [];
  const re = /([^\s=]+)=("((?:[^"\\]|\\.)*)"|'([^']*)'|(\S*))\s*/gy;
  let pos = 0;
  while (pos < ins.rest.length) {
    re.lastIndex = pos;
    const m = re.exec(ins.rest);
    if (!m) throw new DockerfileError(file, ins.line, `${ins.op}: cannot read "${ins.rest.slice(pos)}" (want key=value pairs)`);
    const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? m[5] ?? '');
    pairs.push([m[1]!, value]);
    pos = re.lastIndex;
  }
  return pairs;
}

function execForm(file: string, ins: Instruction): string[] {
  let v: unknown;
  try {
    v = JSON.parse(ins.rest);
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new DockerfileError(file, ins.line, `${ins.op}: only the exec form ["prog", "arg"] is supported (the shell form runs /bin/sh as PID 1, which does not forward signals)`);
  }
  return v as string[];
}

const substitute = (s: string, args: Record<string, string>) =>
  s.replace(/\$\{(\w+)\}|\$(\w+)/g, (all, a?: string, b?: string) => args[(a ?? b)!] ?? all);

const joinPath = (dir: string, p: string) => (p.startsWith('/') ? p : `${dir.replace(/\/$/, '')}/${p}`);

/** Parses a Dockerfile's text; `file` names it in errors. */
export function parseDockerfile(text: string, file = 'Dockerfile'): FinalStage {
  const args: Record<string, string> = {};
  const stages: string[] = [];
  const earlier: BuildStage[] = [];
  let stageName: string | undefined;
  let stage: { base: string; user?: string; entrypoint?: string[]; cmd?: string[]; workdir: string; env: Record<string, string>; labels: Record<string, string>; exposed: string[]; copies: DockerCopy[]; runs: string[] } | undefined;
  for (const ins of instructions(text)) {
    if (ins.op === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.rest);
      if (!m) throw new DockerfileError(file, ins.line, `FROM: cannot read "${ins.rest}"`);
      if (stage) {
        if (stageName === undefined) throw new DockerfileError(file, ins.line, 'FROM: every stage but the last must be named (AS name)');
        stages.push(stageName);
        earlier.push({ name: stageName, base: stage.base, workdir: stage.workdir, copies: stage.copies, runs: stage.runs });
      }
      stageName = m[2];
      stage = { base: substitute(m[1]!, args), workdir: '/', env: {}, labels: {}, exposed: [], copies: [], runs: [] };
      continue;
    }
    if (ins.op === 'ARG') {
      const [name, def] = ins.rest.split('=', 2) as [string, string | undefined];
      if (!stage && def !== undefined) args[name] = def;
      continue;
    }
    if (!stage) throw new DockerfileError(file, ins.line, `${ins.op} before the first FROM`);
    switch (ins.op) {
      case 'USER':
        stage.user = ins.rest;
        break;
      case 'WORKDIR':
        stage.workdir = joinPath(stage.workdir, ins.rest);
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = execForm(file, ins);
        // As Docker does: a new ENTRYPOINT clears a CMD inherited or set before it.
        stage.cmd = undefined;
        break;
      case 'CMD':
        stage.cmd = execForm(file, ins);
        break;
      case 'ENV':
        if (!ins.rest.includes('=')) throw new DockerfileError(file, ins.line, 'ENV: use the ENV key=value form');
        for (const [k, v] of keyValues(file, ins)) stage.env[k] = substitute(v, stage.env);
        break;
      case 'LABEL':
        for (const [k, v] of keyValues(file, ins)) stage.labels[k] = v;
        break;
      case 'EXPOSE':
        for (const p of ins.rest.split(/\s+/)) {
          if (!/^\d{1,5}(\/(tcp|udp|sctp))?$/.test(p)) throw new DockerfileError(file, ins.line, `EXPOSE: "${p}" is not port[/tcp|udp|sctp]`);
          stage.exposed.push(p.includes('/') ? p : `${p}/tcp`);
        }
        break;
      case 'COPY': {
        const words = ins.rest.split(/\s+/);
        let from: string | undefined;
        while (words[0]?.startsWith('--')) {
          const flag = words.shift()!;
          if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
          else if (!/^--(chown|chmod|link)(=|$)/.test(flag)) throw new DockerfileError(file, ins.line, `COPY: flag ${flag} is not supported`);
        }
        if (words.length < 2) throw new DockerfileError(file, ins.line, 'COPY: needs a source and a destination');
        const dest = joinPath(stage.workdir, words.pop()!);
        stage.copies.push({ ...(from !== undefined ? { from } : {}), sources: words, dest });
        break;
      }
      case 'RUN':
        if (ins.rest.startsWith('[') || ins.rest.startsWith('--')) throw new DockerfileError(file, ins.line, 'RUN: only the plain shell form is supported');
        stage.runs.push(ins.rest);
        break;
      default:
        throw new DockerfileError(file, ins.line, `${ins.op}: not supported by the image test's reader`);
    }
  }
  if (!stage) throw new DockerfileError(file, 1, 'no FROM');
  const { runs: _runs, ...final } = stage;
  return { ...final, stages, earlier };
}
