// The gearmand text admin protocol (status, workers, version, ...), used by the queue viewer and check tools.
// It shares the job port: gearmand treats a connection whose first byte is not NUL as text.
// @see http://gearman.org/protocol/ "Administrative Protocol"
import { MgError } from '../errors.js';
import { formatServerAddress } from './address.js';
import type { ServerAddress } from './address.js';
import { connectTcp } from './tcp-connect.js';

export interface AdminOptions {
  /** Time for the whole answer once connected. @defaultValue 5000 */
  timeoutMs?: number;
  /** @defaultValue 5000 */
  connectTimeoutMs?: number;
  /** Whether the answer is a list ended by a "." line; guessed from the command when unset. */
  multiline?: boolean;
}

export interface FunctionStatus {
  name: string;
  /** Jobs queued or running. */
  total: number;
  running: number;
  availableWorkers: number;
}

export interface WorkerInfo {
  fd: number;
  ip: string;
  /** The SET_CLIENT_ID of the connection; gearmand prints "-" when none was set. */
  clientId: string;
  functions: string[];
}

// Commands whose answer is a list terminated by a line holding a single "."; the others answer one line.
const MULTILINE_COMMANDS = new Set(['status', 'workers', 'show jobs', 'show unique jobs']);

/** Sends one admin command and returns its answer without the terminating "." line and without line ends. */
export async function adminCommand(address: ServerAddress, command: string, options: AdminOptions = {}): Promise<string> {
  if (/[\r\n\0]/.test(command) || command.trim() === '') {
    throw new MgError('MG_ERR_INVALID_ARGUMENT', `Expected one admin command line, got ${JSON.stringify(command)}`);
  }
  const server = formatServerAddress(address);
  const multiline = options.multiline ?? MULTILINE_COMMANDS.has(command.trim().replace(/\s+/g, ' '));
  const timeoutMs = options.timeoutMs ?? 5_000;
  const socket = await connectTcp(address, { timeoutMs: options.connectTimeoutMs ?? 5_000 });
  const text = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    let done = false;
    const finish = (err: Error | undefined, answer?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.destroy();
      if (err !== undefined) reject(err);
      else resolve(answer ?? '');
    };
    const timer = setTimeout(
      () => finish(new MgError('MG_ERR_GEARMAN_TIMEOUT', `job server ${server} did not answer "${command}" within ${timeoutMs} ms`, { details: { server, timeoutMs } })),
      timeoutMs,
    );
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const answer = completeAnswer(buffer, multiline);
      if (answer !== undefined) finish(undefined, answer);
    });
    socket.on('error', (cause) =>
      finish(new MgError('MG_ERR_GEARMAN_CONNECTION_CLOSED', `admin connection to ${server} broke: ${cause.message}`, { cause, details: { server } })),
    );
    socket.on('close', () =>
      finish(new MgError('MG_ERR_GEARMAN_CONNECTION_CLOSED', `job server ${server} closed the admin connection before the answer to "${command}" ended`, { details: { server, received: buffer } })),
    );
    socket.write(`${command}\n`);
  });
  const err = /^ERR (\S+)\s*(.*)$/.exec(text);
  if (err !== null) {
    const [, code, rawText] = err as unknown as [string, string, string];
    const message = rawText.replace(/\+/g, ' '); // gearmand URL-encodes spaces in error texts
    throw new MgError('MG_ERR_GEARMAN_ADMIN', `job server ${server} refused "${command}": ${code} ${message}`, {
      details: { server, command, errorCode: code, errorText: message },
    });
  }
  return text;
}

// The answer without line ends and terminator once it is complete, else undefined. An ERR line ends any answer.
function completeAnswer(buffer: string, multiline: boolean): string | undefined {
  const firstEnd = buffer.indexOf('\n');
  if (firstEnd < 0) return undefined;
  const firstLine = buffer.slice(0, firstEnd).replace(/\r$/, '');
  if (!multiline || firstLine.startsWith('ERR ')) return firstLine;
  const lines = buffer.split('\n');
  const end = lines.findIndex((l, i) => i < lines.length - 1 && l.replace(/\r$/, '') === '.');
  if (end < 0) return undefined;
  return lines.slice(0, end).map((l) => l.replace(/\r$/, '')).join('\n');
}

/** Parses a `status` answer: one `FUNCTION\tTOTAL\tRUNNING\tAVAILABLE_WORKERS` line per function. */
export function parseStatus(text: string): FunctionStatus[] {
  return answerLines(text).map((line) => {
    const fields = line.split('\t');
    const numbers = fields.slice(1).map((f) => (/^\d+$/.test(f) ? Number(f) : NaN));
    if (fields.length !== 4 || numbers.some((n) => Number.isNaN(n))) throw badLine('status', line);
    const [total, running, availableWorkers] = numbers as [number, number, number];
    return { name: fields[0] as string, total, running, availableWorkers };
  });
}

/** Parses a `workers` answer: one `FD IP CLIENT-ID : FUNCTION ...` line per connection (admin ones included). */
export function parseWorkers(text: string): WorkerInfo[] {
  return answerLines(text).map((line) => {
    const m = /^(\d+) (\S+) (.*)$/.exec(line);
    const rest = m?.[3];
    const sep = rest === undefined ? -1 : rest.indexOf(' :');
    if (m === null || rest === undefined || sep < 0) throw badLine('workers', line);
    const functions = rest.slice(sep + 2).split(' ').filter((f) => f !== '');
    return { fd: Number(m[1]), ip: m[2] as string, clientId: rest.slice(0, sep), functions };
  });
}

/** Parses a `version` answer (`OK 1.1.20+ds`) into the version string. */
export function parseVersion(text: string): string {
  const m = /^OK (\S.*)$/.exec(text.trim());
  if (m === null) throw badLine('version', text.trim());
  return m[1] as string;
}

/** Functions with their queue counts. */
export async function getStatus(address: ServerAddress, options?: AdminOptions): Promise<FunctionStatus[]> {
  return parseStatus(await adminCommand(address, 'status', options));
}

/** Connections with their client ids and registered functions. */
export async function getWorkers(address: ServerAddress, options?: AdminOptions): Promise<WorkerInfo[]> {
  return parseWorkers(await adminCommand(address, 'workers', options));
}

/** The gearmand version string. */
export async function getVersion(address: ServerAddress, options?: AdminOptions): Promise<string> {
  return parseVersion(await adminCommand(address, 'version', options));
}

// Lines of a list answer; accepts text with or without line ends "\r" and the "." terminator.
function answerLines(text: string): string[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const end = lines.indexOf('.');
  return (end < 0 ? lines : lines.slice(0, end)).filter((l) => l !== '');
}

function badLine(command: string, line: string): MgError {
  return new MgError('MG_ERR_GEARMAN_ADMIN', `cannot parse "${command}" answer line ${JSON.stringify(line)}`, { details: { command, line } });
}
