// Job server addresses: `host`, `host:port`, `:port`, `[v6]`, `[v6]:port`, bare IPv6. Default port 4730.
// Shared by the transport, the config validator and the tools so every place reads addresses alike.
import { MgError } from '../errors.js';

export const DEFAULT_GEARMAN_PORT = 4730;

export interface ServerAddress {
  readonly host: string;
  readonly port: number;
}

/** Parses one address; throws MG_ERR_INVALID_ARGUMENT naming the text when it cannot. */
export function parseServerAddress(text: string, defaultPort = DEFAULT_GEARMAN_PORT): ServerAddress {
  const s = text.trim();
  if (s === '') throw new MgError('MG_ERR_INVALID_ARGUMENT', 'expected a job server address host[:port], got an empty string');
  let host: string;
  let portText: string | undefined;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) throw badAddress(s);
    host = s.slice(1, end);
    const rest = s.slice(end + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) throw badAddress(s);
      portText = rest.slice(1);
    }
  } else if ((s.match(/:/g) ?? []).length > 1) {
    host = s; // bare IPv6 without brackets and without port
  } else {
    const colon = s.indexOf(':');
    host = colon < 0 ? s : s.slice(0, colon);
    portText = colon < 0 ? undefined : s.slice(colon + 1);
  }
  // `:4730` means all interfaces in C/Go; for a client that is the local machine.
  if (host === '') host = '0.0.0.0';
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) throw badAddress(s);
    port = Number(portText);
    if (port < 1 || port > 65535) throw badAddress(s);
  }
  return { host, port };
}

/** `host:port`, with brackets around IPv6 hosts. */
export function formatServerAddress(address: ServerAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

function badAddress(text: string): MgError {
  return new MgError('MG_ERR_INVALID_ARGUMENT', `expected a job server address host[:port] (port 1-65535), got "${text}"`);
}
