// Reads the proxy configuration: `--config` may be repeated, a folder means every *.yaml, *.yml and *.json in it
// (sorted, not recursive). JSON is read by the YAML parser, which accepts it as a subset.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { MgError } from '../errors.js';
import type { ProxyConfig } from './route-config.js';
import { validateProxyConfig } from './validate-config.js';
import type { ConfigDocument } from './validate-config.js';

const EXTENSIONS = /\.(ya?ml|json)$/i;

/** The files a list of --config paths stands for, in reading order. */
export function expandConfigPaths(paths: readonly string[], cwd = process.cwd()): string[] {
  const files: string[] = [];
  for (const p of paths) {
    const abs = resolve(cwd, p);
    let isDir: boolean;
    try {
      isDir = statSync(abs).isDirectory();
    } catch (err) {
      throw new MgError('MG_ERR_PROXY_CONFIG', `${abs}: cannot read the config: ${(err as Error).message}`, { cause: err });
    }
    if (!isDir) files.push(abs);
    else files.push(...readdirSync(abs).filter((f) => EXTENSIONS.test(f)).sort().map((f) => join(abs, f)));
  }
  return files;
}

/** Parses one file into a document for validateProxyConfig. */
export function readConfigDocument(file: string): ConfigDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MgError('MG_ERR_PROXY_CONFIG', `${file}: cannot read the config: ${(err as Error).message}`, { cause: err });
  }
  try {
    return { data: parse(text) as unknown, source: file, baseDir: dirname(file) };
  } catch (err) {
    throw new MgError('MG_ERR_PROXY_CONFIG', `${file}: not valid YAML/JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads, merges and validates the configuration; throws MG_ERR_PROXY_CONFIG naming the file and route. */
export function loadProxyConfig(paths: readonly string[], cwd?: string): ProxyConfig {
  const files = expandConfigPaths(paths, cwd);
  if (files.length === 0) throw new MgError('MG_ERR_PROXY_CONFIG', `no config files found in ${paths.join(', ') || '(no --config)'}`);
  return validateProxyConfig(files.map(readConfigDocument));
}
