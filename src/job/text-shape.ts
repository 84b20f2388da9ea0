// Does a decoded payload look like a Mod-Gearman text? The only way to tell a wrong key or a wrong
// encryption= setting from a good payload: AES-ECB has no integrity check (mod-gearman-worker-go.md §3,
// "Wrong key"), so a wrong key yields noise that must not reach the job parser as a "job".

// A control byte that no Mod-Gearman header holds (TAB, LF and CR are allowed).
function isControl(byte: number): boolean {
  return (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) || byte === 0x7f;
}

const HEADER_BYTES = 32;
// The shortest key any sender writes first is `type`.
const MIN_KEY_CHARS = 4;

/**
 * Whether decrypted bytes are a Mod-Gearman text, which is how a wrong key or a wrong encryption=
 * shows (AES has no integrity check). Every sender starts with a `key=` line (`type=`, `host_name=`):
 * the first line must be a lower-case key of at least 4 characters ([a-z_][a-z0-9_]*), then `=`,
 * with no control byte in that line or the first 32 bytes. A wrong key passes with a chance
 * below one in a million; later bytes are not checked, since plugin output may hold ESC and the like.
 */
export function looksLikeModGearmanText(buf: Buffer): boolean {
  if (buf.length === 0) return false;
  const first = buf[0];
  if (!((first >= 0x61 && first <= 0x7a) || first === 0x5f)) return false;
  let i = 1;
  for (; i < buf.length; i++) {
    const c = buf[i];
    if (c === 0x3d) break;
    if (!((c >= 0x61 && c <= 0x7a) || c === 0x5f || (c >= 0x30 && c <= 0x39))) return false;
  }
  if (i >= buf.length || i < MIN_KEY_CHARS) return false;
  const lf = buf.indexOf(0x0a, i);
  const end = Math.max(lf === -1 ? buf.length : lf, Math.min(buf.length, HEADER_BYTES));
  for (let j = i + 1; j < end; j++) {
    if (isControl(buf[j])) return false;
  }
  return true;
}

/** Whether bytes start like a clear text: `type=` (what the NEB's accept_clear_results tests) or `host_name=` (C worker results). */
export function startsWithClearKey(buf: Buffer): boolean {
  return (
    (buf.length >= 5 && buf.toString('latin1', 0, 5) === 'type=') ||
    (buf.length >= 10 && buf.toString('latin1', 0, 10) === 'host_name=')
  );
}
