// The demo's voice: numbered steps and indented lines on stdout, each step stamped with
// the seconds since start. Plain lines only (no cursor movement); colour per Style.
import type { Style } from './style.js';

export class Ui {
  readonly #t0 = performance.now();
  #step = 0;
  #muted = false;

  constructor(
    readonly style: Style,
    readonly total: number,
    readonly write: (s: string) => void = (s) => process.stdout.write(s),
  ) {}

  /** Seconds since the demo started. */
  elapsed(): number {
    return (performance.now() - this.#t0) / 1000;
  }

  /** After Ctrl-C: the story stops (what is still in flight would print a half-told one); forced lines still show. */
  mute(): void {
    this.#muted = true;
  }

  step(title: string): void {
    if (this.#muted) return;
    this.#step++;
    const stamp = this.style.dim(`[${this.elapsed().toFixed(1).padStart(5)}s]`);
    this.write(`\n${stamp} ${this.style.bold(`${this.#step}/${this.total} ${title}`)}\n`);
  }

  /** One indented line (progress or result). */
  say(line = '', force = false): void {
    if (this.#muted && !force) return;
    this.write(line === '' ? '\n' : `  ${line}\n`);
  }

  /** Progress from helpers (build, cluster), prefixed with where it comes from. */
  progress(source: string, force = false): (m: string) => void {
    return (m) => this.say(this.style.dim(`${source}: ${m}`), force);
  }
}
