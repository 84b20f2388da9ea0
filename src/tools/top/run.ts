// gearman_top end to end: options → live screen on a terminal, else batch text.
import { localNumber, toolServers } from '../tool-config.js';
import type { ToolIo } from '../tool-main.js';
import { runTool } from '../tool-main.js';
import { runLive } from './live.js';
import { LiveScreen } from './screen.js';
import { GEARMAN_TOP_SPEC } from './spec.js';
import { ViewState } from './view-state.js';

/** Runs gearman_top with `argv`; resolves with the exit code. */
export function runGearmanTop(argv: readonly string[], io: ToolIo): Promise<number> {
  return runTool(GEARMAN_TOP_SPEC, argv, io, { help: 0 }, async (tool) => {
    const intervalMs = localNumber(tool, 'i', 1, { min: 0.05 }) * 1000;
    const view = new ViewState({ servers: toolServers(tool.config), quiet: tool.local.has('q'), timeoutMs: tool.config.timeout * 1000 });
    if (!tool.local.has('b') && io.tty !== undefined) {
      return runLive(view, new LiveScreen(io.tty), { intervalMs, input: io.tty.input, output: io.tty.output });
    }
    const repeat = tool.local.has('i');
    for (;;) {
      await view.refresh();
      io.stdout(`${view.lines(true).map((l) => l.text).join('\n')}\n`);
      if (!repeat) return 0;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  });
}
