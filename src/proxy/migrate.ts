// `mg-gearman-proxy migrate`: converts the declarative subset of a Perl gearman_proxy.cfg (which the Perl proxy
// runs with `do FILE`) into our YAML: scalar assignments (`$x = "..."`, `our`/`my` allowed), double-quoted
// strings interpolating earlier scalars, single-quoted strings, numbers, and the `$queues` hashref whose values
// are a "host:port/queue" string or a hash of literal options. Code cannot be converted: a `sub {...}` is
// refused with a pointer to the callback module form (gearman-proxy.md §8).
import { stringify } from 'yaml';
import { MgError } from '../errors.js';

type Value = string | number | { readonly [key: string]: Value } | { readonly sub: true };

const OPTION_KEYS: Record<string, string> = { remoteQueue: 'to', decrypt: 'decrypt', encrypt: 'encrypt', async: 'async', worker: 'worker' };

class PerlReader {
  #pos = 0;
  readonly vars = new Map<string, Value>();
  constructor(
    readonly text: string,
    readonly file: string,
  ) {}

  fail(message: string, at = this.#pos): never {
    const line = this.text.slice(0, at).split('\n').length;
    throw new MgError('MG_ERR_PROXY_MIGRATE', `${this.file}:${line}: ${message}`, { details: { file: this.file, line } });
  }

  // Skips blanks and `# comments`.
  skip(): void {
    for (;;) {
      const m = /^(?:\s+|#[^\n]*)/.exec(this.text.slice(this.#pos));
      if (m === null || m[0] === '') return;
      this.#pos += m[0].length;
    }
  }

  eat(token: string | RegExp): string | undefined {
    this.skip();
    const rest = this.text.slice(this.#pos);
    if (typeof token === 'string') {
      if (!rest.startsWith(token)) return undefined;
      this.#pos += token.length;
      return token;
    }
    const m = token.exec(rest);
    if (m === null || m.index !== 0) return undefined;
    this.#pos += m[0].length;
    return m[0];
  }

  expect(token: string): void {
    if (this.eat(token) === undefined) this.fail(`expected "${token}" near "${this.text.slice(this.#pos, this.#pos + 20)}"`);
  }

  atEnd(): boolean {
    this.skip();
    return this.#pos >= this.text.length;
  }

  statement(): void {
    // `use strict;` and the customary trailing `1;` carry no setting.
    if (this.eat(/use\s+[\w:]+[^;]*;/) !== undefined || this.eat(/1\s*;/) !== undefined) return;
    this.eat(/(?:our|my)\b/);
    const name = this.eat(/\$\w+/);
    if (name === undefined) this.fail(`only scalar assignments ($name = ...;) can be migrated, got "${this.text.slice(this.#pos, this.#pos + 30).split('\n')[0]}"`);
    this.expect('=');
    this.vars.set(name.slice(1), this.value());
    this.expect(';');
  }

  value(): Value {
    const start = this.#pos;
    if (this.eat(/sub\b/) !== undefined) {
      this.skipBlock();
      return { sub: true };
    }
    if (this.eat('{') !== undefined) return this.hash(start);
    const single = this.eat(/'(?:[^'\\]|\\.)*'/);
    if (single !== undefined) return single.slice(1, -1).replace(/\\(['\\])/g, '$1');
    const double = this.eat(/"(?:[^"\\]|\\.)*"/);
    if (double !== undefined) return this.interpolate(double.slice(1, -1), start);
    const num = this.eat(/-?\d+(?:\.\d+)?/);
    if (num !== undefined) return Number(num);
    const variable = this.eat(/\$\w+/);
    if (variable !== undefined) return this.lookup(variable.slice(1), start);
    return this.fail(`cannot migrate this expression: "${this.text.slice(this.#pos, this.#pos + 30).split('\n')[0]}"`);
  }

  hash(start: number): Value {
    const out: Record<string, Value> = {};
    while (this.eat('}') === undefined) {
      const keyStart = this.#pos;
      const bare = this.eat(/[A-Za-z_]\w*(?=\s*=>)/);
      const key = bare ?? this.value();
      if (typeof key !== 'string') this.fail('hash keys must be strings', keyStart);
      if (this.eat('=>') === undefined) this.expect(',');
      out[key] = this.value();
      if (this.eat(',') === undefined && this.eat('}') !== undefined) return out;
      if (this.atEnd()) this.fail('unterminated hash', start);
    }
    return out;
  }

  interpolate(body: string, at: number): string {
    return body
      .replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => {
        const v = this.lookup((a ?? b) as string, at);
        if (typeof v !== 'string' && typeof v !== 'number') this.fail(`"$${a ?? b}" is not a scalar; it cannot be interpolated`, at);
        return String(v);
      })
      .replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t' })[c] ?? c);
  }

  lookup(name: string, at: number): Value {
    const v = this.vars.get(name);
    if (v === undefined) this.fail(`variable $${name} is used before it is set`, at);
    return v;
  }

  // Skips a `{ ... }` block, counting braces outside strings; the code itself is never converted.
  skipBlock(): void {
    this.expect('{');
    let depth = 1;
    while (depth > 0 && this.#pos < this.text.length) {
      const c = this.text[this.#pos++];
      if (c === '{') depth++;
      else if (c === '}') depth--;
      else if (c === '"' || c === "'") {
        while (this.#pos < this.text.length && this.text[this.#pos] !== c) this.#pos += this.text[this.#pos] === '\\' ? 2 : 1;
        this.#pos++;
      }
    }
  }
}

function route(from: string, value: Value, reader: PerlReader): Record<string, unknown> {
  if (typeof value === 'string') return { from, to: value };
  if (typeof value !== 'object' || 'sub' in value) return reader.fail(`queue "${from}": expected a "host:port/queue" string or a hash`);
  const out: Record<string, unknown> = { from };
  for (const [k, v] of Object.entries(value)) {
    if (k === 'data_callback') {
      reader.fail(
        `queue "${from}": data_callback is Perl code and cannot be migrated; write it as a JS module exporting ` +
          `a function and set \`callback: ./file.mjs#name\` on the route, or use a declarative \`rewrite:\` (docs/proxy.md)`,
      );
    }
    const key = OPTION_KEYS[k];
    if (key === undefined) reader.fail(`queue "${from}": unknown option "${k}" (known: ${Object.keys(OPTION_KEYS).join(', ')}, data_callback)`);
    if (typeof v === 'object') reader.fail(`queue "${from}": option "${k}" must be a literal`);
    out[key] = key === 'async' ? Boolean(Number(v)) : key === 'worker' ? Number(v) : String(v);
  }
  if (out.to === undefined) reader.fail(`queue "${from}": remoteQueue is missing (the Perl proxy skips such an entry)`);
  if (out.async === true || out.async === undefined) delete out.worker; // the Perl proxy uses `worker` only for sync forwards
  return out;
}

/** Converts the text of a gearman_proxy.cfg into YAML; throws MG_ERR_PROXY_MIGRATE naming file:line. */
export function migratePerlConfig(text: string, file = 'gearman_proxy.cfg'): string {
  const reader: PerlReader = new PerlReader(text, file);
  while (!reader.atEnd()) reader.statement();
  const queues = reader.vars.get('queues');
  if (queues === undefined || typeof queues !== 'object' || 'sub' in queues) reader.fail('no $queues = { ... }; hash found', 0);
  const out: Record<string, unknown> = {};
  const status = reader.vars.get('statusqueue');
  if (status !== undefined) out.statusQueue = String(status);
  const debug = reader.vars.get('debug');
  // Perl levels: 0 errors, 1 info, 2 debug, 3 trace; ours: 0 info, 1 debug, 2 trace.
  if (debug !== undefined) out.debug = Math.max(0, Number(debug) - 1);
  const logfile = reader.vars.get('logfile');
  if (logfile !== undefined) out.logfile = String(logfile);
  out.routes = Object.entries(queues).map(([from, v]) => route(from, v, reader));
  return `# migrated from ${file} by mg-gearman-proxy migrate\n${stringify(out)}`;
}
