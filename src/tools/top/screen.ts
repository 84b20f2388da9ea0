// The live full-screen view: the terminal's alternate screen (so the shell's scrollback is left as it
// was), no cursor, raw keys; each frame is drawn over the previous one from the home position, every
// line cleared to its end, the rest of the screen cleared below, so nothing flickers or scrolls.
// Lines are cut to the terminal width and the frame to its height, re-read on every draw (SIGWINCH).
import type { ReadStream, WriteStream } from 'node:tty';
import type { LineKind, ScreenLine } from './table.js';

export interface Terminal {
  readonly input: ReadStream;
  readonly output: WriteStream;
}

const CSI = '\x1b[';
export const ENTER_ALT_SCREEN = `${CSI}?1049h`;
export const LEAVE_ALT_SCREEN = `${CSI}?1049l`;
const HIDE_CURSOR = `${CSI}?25l`;
const SHOW_CURSOR = `${CSI}?25h`;
const RESET = `${CSI}0m`;
const STYLE: Record<LineKind, string> = {
  title: `${CSI}1m`, // bold
  text: '',
  orphaned: `${CSI}1;37;41m`, // white on red: these checks go orphaned
  error: `${CSI}1;31m`, // red
};

export class LiveScreen {
  readonly #term: Terminal;
  #open = false;

  constructor(term: Terminal) {
    this.#term = term;
  }

  /** Switches to the alternate screen and raw keyboard input. */
  open(): void {
    if (this.#open) return;
    this.#open = true;
    this.#term.output.write(ENTER_ALT_SCREEN + HIDE_CURSOR);
    this.#term.input.setRawMode(true);
    this.#term.input.setEncoding('utf8');
    this.#term.input.resume();
  }

  /** Rows left for the body above the footer, at the terminal's current size. */
  bodyRows(): number {
    return Math.max(3, this.#term.output.rows || 24) - 1;
  }

  /** Draws `lines` from the top (as many as fit) and `footer` on the last row (reverse video). */
  draw(lines: readonly ScreenLine[], footer: string): void {
    if (!this.#open) return;
    const columns = Math.max(20, this.#term.output.columns || 80);
    const rows = this.bodyRows() + 1;
    const body = lines.slice(0, rows - 1);
    let frame = `${CSI}H`;
    for (const line of body) frame += `${STYLE[line.kind]}${line.text.slice(0, columns)}${RESET}${CSI}K\r\n`;
    frame += `${CSI}J${CSI}${rows};1H${CSI}7m${footer.slice(0, columns).padEnd(columns)}${RESET}`;
    this.#term.output.write(frame);
  }

  /** Restores the terminal: cursor, normal screen, cooked input. Idempotent. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#term.output.write(RESET + SHOW_CURSOR + LEAVE_ALT_SCREEN);
    try {
      this.#term.input.setRawMode(false);
    } catch {
      // the terminal is already gone (hang-up): nothing to restore
    }
    this.#term.input.pause();
  }
}
