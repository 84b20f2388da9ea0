// The benches' command line: `--key=value` and `--flag` words, plus the --build / --no-build pair every bench
// that runs the built worker takes.
import type { BuildMode } from './build.js';

/**
 * Splits each argument at its first `=` and hands key and value to `take`, which returns false for a word it
 * does not know (an error pointing at the head of `script`). Returns the build mode --build / --no-build set.
 */
export function parseBenchArgs(argv: readonly string[], script: string, take: (key: string, value: string) => boolean): BuildMode {
  let build: BuildMode = 'auto';
  for (const arg of argv) {
    const eq = arg.indexOf('=');
    const [k, v] = eq < 0 ? [arg, ''] : [arg.slice(0, eq), arg.slice(eq + 1)];
    if (k === '--build') build = 'yes';
    else if (k === '--no-build') build = 'no';
    else if (!take(k, v)) throw new Error(`unknown argument "${arg}" (see the head of ${script})`);
  }
  return build;
}
