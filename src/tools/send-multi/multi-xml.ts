// check_multi's XML report (check_multi -r 256, "feed passive"), as the C send_multi reads it: each
// <CHILD>...</CHILD> block is one child check; child 0 is check_multi itself and is skipped. Tags are
// found by plain text search like C does (memmem), not by an XML parser: check_multi's output is not
// always well-formed XML, and C accepts whatever has the tags.
// Required per child: no, name, rc, runtime, output, error; performance is optional and then needs
// pplugin. The output becomes `<output>[ [<error>]][|[']<name>::<pplugin>::<performance>]`.

export interface MultiChild {
  /** The child's position in the report (`<no>`). */
  readonly no: string;
  /** Service description of the passive result. */
  readonly name: string;
  readonly returnCode: number;
  /** Seconds the child ran; the result's start time is now - runtime. */
  readonly runtime: number;
  /** Output, stderr and rewritten perfdata, decoded. */
  readonly output: string;
}

export type ChildBlock = { readonly ok: true; readonly child: MultiChild } | { readonly ok: false; readonly no: string | undefined; readonly reason: string };

export interface MultiReport {
  readonly blocks: readonly ChildBlock[];
  /** No <CHILD> at all: the input was probably an error message of check_multi (shown by the caller). */
  readonly noChildren: boolean;
}

const OPEN = '<CHILD>';
const CLOSE = '</CHILD>';

/** Splits a report into its child blocks (the parent, no 0, left out). */
export function parseMultiReport(text: string): MultiReport {
  const blocks: ChildBlock[] = [];
  let seen = 0;
  for (let at = text.indexOf(OPEN); at !== -1; at = text.indexOf(OPEN, at)) {
    const end = text.indexOf(CLOSE, at + OPEN.length);
    if (end === -1) {
      blocks.push({ ok: false, no: undefined, reason: 'no closing tag </CHILD>' });
      seen++;
      break;
    }
    seen++;
    const block = text.slice(at + OPEN.length, end);
    at = end + CLOSE.length;
    const parsed = parseChild(block);
    if (parsed !== undefined) blocks.push(parsed);
  }
  return { blocks, noChildren: seen === 0 };
}

// One block; undefined for the parent (no 0), which C skips without counting it as an error.
function parseChild(block: string): ChildBlock | undefined {
  const tag = (name: string): string | undefined => {
    const start = block.indexOf(`<${name}>`);
    if (start === -1) return undefined;
    const from = start + name.length + 2;
    const end = block.indexOf(`</${name}>`, from);
    return end === -1 ? undefined : block.slice(from, end);
  };
  const no = tag('no');
  if (no?.trim() === '0') return undefined;
  const fields: Record<string, string> = {};
  for (const name of ['no', 'name', 'rc', 'runtime', 'output', 'error']) {
    const value = tag(name);
    if (value === undefined) return { ok: false, no, reason: `missing <${name}>` };
    fields[name] = value;
  }
  if (block.includes('\0')) return { ok: false, no, reason: 'a NUL byte cannot be sent in a result' };
  if ((fields.name as string).trim() === '') return { ok: false, no, reason: 'empty <name>: no service to send the result for' };
  const rc = Number.parseInt(fields.rc as string, 10);
  if (Number.isNaN(rc) || rc < 0) return { ok: false, no, reason: `<rc> is not a return code: ${JSON.stringify(fields.rc)}` };
  const runtime = Number.parseFloat(fields.runtime as string);
  const name = decodeXml(fields.name as string);
  const error = decodeXml(fields.error as string);
  let output = decodeXml(fields.output as string) + (error === '' ? '' : ` [${error}]`);
  const performance = tag('performance');
  if (performance !== undefined) {
    const pplugin = tag('pplugin');
    if (pplugin === undefined) return { ok: false, no, reason: 'missing <pplugin> next to <performance>' };
    const perf = decodeXml(performance.trim());
    // A quoted first label gets the quote moved before the whole multi header: 'svc::plugin::label'=1
    output += perf.startsWith("'") ? `|'${name}::${decodeXml(pplugin)}::${perf.slice(1)}` : `|${name}::${decodeXml(pplugin)}::${perf}`;
  }
  return { ok: true, child: { no: fields.no as string, name, returnCode: rc, runtime: Number.isNaN(runtime) ? 0 : runtime, output } };
}

const ENTITIES: Record<string, string> = { '&gt;': '>', '&lt;': '<', '&amp;': '&', '&#039;': "'", '&#124;': '|' };

/** The five entities check_multi writes (C send_multi decode_xml); anything else stays as it is. */
export function decodeXml(text: string): string {
  return text.replace(/&(?:gt|lt|amp|#039|#124);/g, (m) => ENTITIES[m] ?? m);
}
