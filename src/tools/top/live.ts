// gearman_top's interactive mode: refresh every interval in place, keys for sorting, `q` (or Esc,
// Ctrl-C) quits, a terminal resize redraws at once, SIGTERM/SIGHUP restore the terminal before exit.
import type { LiveScreen } from './screen.js';
import { nextOrder, SORT_KEYS } from './sort.js';
import type { ViewState } from './view-state.js';

export interface LiveOptions {
  readonly intervalMs: number;
  /** Emits 'data' (keys) and is the terminal input. */
  readonly input: NodeJS.EventEmitter;
  /** Emits 'resize' on SIGWINCH. */
  readonly output: NodeJS.EventEmitter;
}

const QUIT_KEYS = new Set(['q', 'Q', '\x1b', '\x03']);
// Scroll keys (xterm sequences) → lines to move, a page (body height - 1), or ±Infinity for Home/End.
const SCROLL_KEYS: Readonly<Record<string, number | 'page' | '-page'>> = {
  '\x1b[A': -1,
  '\x1b[B': 1,
  '\x1b[5~': '-page',
  '\x1b[6~': 'page',
  ' ': 'page',
  '\x1b[H': -Infinity,
  '\x1b[1~': -Infinity,
  '\x1b[F': Infinity,
  '\x1b[4~': Infinity,
};
const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];

/** Runs until a quit key or signal; resolves with the exit code 0. */
export function runLive(view: ViewState, screen: LiveScreen, options: LiveOptions): Promise<number> {
  return new Promise((resolve) => {
    const timers = new Map<number, NodeJS.Timeout>();
    let stopped = false;
    let scroll = 0;
    const footer = (first: number, shown: number, total: number): string => {
      // Short enough for 80 columns; --help explains the keys.
      const reversed = view.order.reverse ? ' (reversed)' : '';
      const position = shown < total ? `  lines ${first + 1}-${first + shown}/${total}` : '';
      return ` q:quit${position}  sort n/w/j/r/c: by ${view.order.field}${reversed}  every ${options.intervalMs / 1000}s  ${new Date().toTimeString().slice(0, 8)}`;
    };
    const draw = (): void => {
      const lines = view.lines(false);
      const height = screen.bodyRows();
      // Kept in range at every draw: the list shrinks and the terminal resizes under the offset.
      scroll = Math.max(0, Math.min(scroll, lines.length - height));
      const shown = lines.slice(scroll, scroll + height);
      screen.draw(shown, footer(scroll, shown.length, lines.length));
    };
    // One loop per server: a server that hangs until its timeout holds up only its own table.
    const tick = async (index: number): Promise<void> => {
      await view.refreshOne(index);
      if (stopped) return;
      draw();
      timers.set(index, setTimeout(() => void tick(index), options.intervalMs));
    };
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      options.input.off('data', onKey);
      options.output.off('resize', draw);
      for (const signal of SIGNALS) process.off(signal, stop);
      screen.close();
      resolve(0);
    };
    const onKey = (data: string | Buffer): void => {
      const key = String(data);
      // A lone Esc quits; escape sequences are scroll keys or ignored.
      if (QUIT_KEYS.has(key) || key.startsWith('\x03')) return stop();
      const move = SCROLL_KEYS[key];
      if (move !== undefined) {
        const page = screen.bodyRows() - 1;
        // ±Infinity (Home/End) is fine: draw() clamps the offset.
        scroll += move === 'page' ? page : move === '-page' ? -page : move;
        draw();
        return;
      }
      const field = SORT_KEYS[key.toLowerCase()];
      if (field !== undefined) {
        view.order = nextOrder(view.order, field);
        draw();
      }
    };
    for (const signal of SIGNALS) process.on(signal, stop);
    options.input.on('data', onKey);
    options.output.on('resize', draw);
    screen.open();
    draw();
    for (let i = 0; i < view.serverCount; i++) void tick(i);
  });
}
