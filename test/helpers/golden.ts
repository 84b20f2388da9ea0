// Reads the golden captures in fixtures/golden/ (see its README): each NN-*.txt / extra-*.txt holds
// the key, the gearman function, the raw base64 workload and the decrypted text shown by `cat -A`.
// This helper turns the `cat -A` block back into the exact bytes.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GOLDEN_DIR = fileURLToPath(new URL('../../fixtures/golden/', import.meta.url));

export type CaptureKind = 'job' | 'result' | 'passive';

export interface GoldenCapture {
  /** File name, e.g. `02-longkey-host-h1.txt`. */
  file: string;
  kind: CaptureKind;
  /** The key text as configured (may be longer than 32 bytes). */
  key: string;
  /** `longkey` or `shortkey`, the tag the raw jobs/ and results/ files are named by. */
  keyTag: string;
  /** The gearman function (queue) it was taken from. */
  queue: string;
  /** Whether the workload is AES-encrypted (all but the clear send_gearman capture). */
  encrypted: boolean;
  /** `effective_aes_key_hex` from the header, when given. */
  aesKeyHex: string | undefined;
  /** The raw workload as stored in gearmand. */
  base64: string;
  /** The decrypted text, exact bytes up to the first NUL. */
  plaintext: Buffer;
}

/** Every capture file, sorted by name. */
export function loadGoldenCaptures(): GoldenCapture[] {
  return readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => parseCaptureFile(f, readFileSync(join(GOLDEN_DIR, f), 'utf8')));
}

/** The raw workload files under jobs/ and results/: name, key tag and base64 content. */
export function loadRawWorkloads(): { file: string; keyTag: string; base64: string }[] {
  return ['jobs', 'results'].flatMap((dir) =>
    readdirSync(join(GOLDEN_DIR, dir))
      .filter((f) => f.endsWith('.b64'))
      .sort()
      .map((f) => ({
        file: `${dir}/${f}`,
        keyTag: f.split('--')[0]!,
        base64: readFileSync(join(GOLDEN_DIR, dir, f), 'utf8'),
      })),
  );
}

export function parseCaptureFile(file: string, content: string): GoldenCapture {
  const lines = content.split('\n');
  const header = (name: string): string | undefined => {
    const line = lines.find((l) => l.startsWith(`${name}: `));
    return line?.slice(name.length + 2);
  };
  const title = lines[0] ?? '';
  const kind: CaptureKind = title.includes('passive result') ? 'passive' : title.endsWith('result') ? 'result' : 'job';
  const key = required(file, 'key', header('key'));
  const rawAt = lines.findIndex((l) => l.startsWith('----- raw workload'));
  const textAt = lines.findIndex((l) => l.startsWith('----- decrypted plaintext'));
  if (rawAt === -1 || textAt === -1) throw new Error(`${file}: missing raw workload or plaintext section`);
  const block: string[] = [];
  for (const line of lines.slice(textAt + 1)) {
    if (line.startsWith('----- decrypted plaintext length')) break;
    block.push(line);
  }
  // The block is followed by one separator line (empty) before the length line or the end of file.
  while (block.length > 0 && block.at(-1) === '') block.pop();
  const plaintext = decodeCatA(block);
  const declared = content.match(/^----- decrypted plaintext length: (\d+) bytes -----$/m);
  if (declared !== null && Number(declared[1]) !== plaintext.length) {
    throw new Error(`${file}: decoded ${plaintext.length} bytes, header says ${declared[1]}`);
  }
  return {
    file,
    kind,
    key,
    keyTag: file.includes('shortkey') ? 'shortkey' : 'longkey',
    queue: required(file, 'gearman_function', header('gearman_function')),
    encrypted: !(file.startsWith('extra-') && !file.includes('-encrypted')),
    aesKeyHex: header('effective_aes_key_hex (key NUL-padded/truncated to 32 bytes)'),
    base64: required(file, 'raw workload', lines[rawAt + 1]),
    plaintext,
  };
}

function required(file: string, what: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new Error(`${file}: no ${what}`);
  return value;
}

/**
 * Reverses `cat -A` (GNU cat -vET): `$` ends each line (LF), `^X` is a control byte (`^?` = 0x7f),
 * `M-x` is x + 0x80 and `M-^X` a control byte + 0x80 (so `M-BM- ` is C2 A0), TAB shows as `^I`.
 * A line without the final `$` is a last line without LF. cat -A leaves `$`, `^` and `M-` in the
 * text itself unmarked; the captures hold none of them outside these notations.
 */
export function decodeCatA(lines: string[]): Buffer {
  const bytes: number[] = [];
  lines.forEach((line, index) => {
    const hasLf = line.endsWith('$');
    if (!hasLf && index !== lines.length - 1) throw new Error(`cat -A line without $: ${JSON.stringify(line)}`);
    const body = hasLf ? line.slice(0, -1) : line;
    let i = 0;
    while (i < body.length) {
      let high = 0;
      if (body.startsWith('M-', i) && i + 2 < body.length) {
        high = 0x80;
        i += 2;
      }
      if (body[i] === '^' && i + 1 < body.length) {
        const c = body.charCodeAt(i + 1);
        bytes.push(high | (c === 0x3f ? 0x7f : c ^ 0x40));
        i += 2;
      } else {
        const c = body.charCodeAt(i);
        if (c > 0x7e) throw new Error(`cat -A output holds a non-ASCII character: ${JSON.stringify(line)}`);
        bytes.push(high | c);
        i += 1;
      }
    }
    if (hasLf) bytes.push(0x0a);
  });
  return Buffer.from(bytes);
}
