// fast-check: the worker.cfg reader, the YAML reader, the argv parser and the whole loader take any text and
// either give a config or a coded MgError (MG_ERR_CONFIG_*), never a TypeError from deep inside.
import { test } from 'node:test';
import fc from 'fast-check';
import { loadConfig } from '../../src/config/load.js';
import { OPTIONS } from '../../src/config/options.js';
import { parseArgv } from '../../src/config/parse-argv.js';
import { parseCfgText } from '../../src/config/parse-cfg.js';
import { parseYamlText } from '../../src/config/parse-yaml.js';
import { FC_PARAMS, keyValueText, onlyCodedErrors } from './only-coded-errors.js';

const KEYS = [...OPTIONS.map((o) => o.name), 'config', 'include', 'unknown_key'];
// Values a real option might be given, plus junk.
const value = fc.oneof(
  fc.constantFrom('yes', 'no', 'on', '0', '1', '-1', '10', '1e999', 'NaN', '10k', '5M', '1.5', '127.0.0.1:4730', '[::1]:4730', ':4730', '', ' ', 'a,b,,c'),
  fc.string({ maxLength: 20 }),
);
const option = fc.tuple(fc.constantFrom(...KEYS), value);

test('parseCfgText: any text gives entries or a coded MgError', () => {
  fc.assert(fc.property(fc.oneof(keyValueText(KEYS), fc.string({ unit: 'binary' })), (text) => onlyCodedErrors(() => parseCfgText(text, 'worker.cfg'))), FC_PARAMS);
});

test('parseYamlText: any text gives entries or a coded MgError', () => {
  const yamlish = fc.oneof(
    fc.array(option, { maxLength: 8 }).map((kv) => kv.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n')),
    fc.array(option, { maxLength: 4 }).map((kv) => kv.map(([k, v]) => `${k}:\n  - ${v}\n  - {a: 1}`).join('\n')),
    fc.string({ unit: 'binary', maxLength: 100 }),
  );
  fc.assert(fc.property(yamlish, (text) => onlyCodedErrors(() => parseYamlText(text, 'worker.yaml'))), FC_PARAMS);
});

test('parseArgv and loadConfig: any arguments give a config or a coded MgError', () => {
  const arg = fc.oneof(
    option.map(([k, v]) => `--${k}=${v}`),
    option.map(([k, v]) => `${k}=${v}`),
    fc.constantFrom('-d', '-c', '--', '-v', '--help', '--version', '-x', '---'),
    fc.string({ maxLength: 20 }),
  );
  fc.assert(
    fc.property(fc.array(arg, { maxLength: 8 }), fc.constantFrom<'worker' | 'tools'>('worker', 'tools'), (argv, scope) => {
      onlyCodedErrors(() => parseArgv(argv));
      // Includes (config=, include=) name files: keep them away from the real file system.
      const safe = argv.filter((a) => !/(^|-)(config|include|c)\b/.test(a) && a !== '-c');
      onlyCodedErrors(() => loadConfig({ scope, argv: ['server=127.0.0.1', 'key=0123456789abcdef', ...safe], env: {}, hostname: 'p', cpuCount: 2 }));
    }),
    FC_PARAMS,
  );
});
