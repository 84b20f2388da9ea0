import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PayloadCodec, createPayloadCodec, deriveKey, readKeyFile } from '../../../src/job/crypto.js';
import { buildJobText, parseJobText } from '../../../src/job/job-text.js';
import { hasCode, isMgError } from '../../../src/errors.js';
import type { ErrorCode } from '../../../src/errors.js';
import { loadGoldenCaptures, loadRawWorkloads } from '../../helpers/golden.js';
import { randomBytes, seededRandom } from '../../helpers/prng.js';

const GO_KEY = 'LaDPjcEqfZuKnUJStXHX27bxkHLAHSbD';
const GO_VECTOR = 'xzJEkKA+e/nBusozXOuPBz9hzIgUsEpHrZT0yo+HaPw=';
const captures = loadGoldenCaptures();
const JOB =
  'type=service\nresult_queue=check_results\nhost_name=h1\nservice_description=s1\n' +
  'core_time=1795347312.335977\ntimeout=5\ncommand_line=/bin/true\n\n\n';

const codeIs = (code: ErrorCode) => (e: unknown) => hasCode(e, code);

// Encrypts exact bytes (no padding added), to build payloads the way other senders pad them.
function aesRaw(key: string, plain: Buffer): string {
  const c = createCipheriv('aes-256-ecb', deriveKey(key), null).setAutoPadding(false);
  return Buffer.concat([c.update(plain), c.final()]).toString('base64');
}

function padTo(text: string, multiple: number, fill: number, atLeastOne: boolean): Buffer {
  const bytes = Buffer.from(text);
  let len = Math.ceil(bytes.length / multiple) * multiple;
  if (atLeastOne && len === bytes.length) len += multiple;
  return Buffer.concat([bytes, Buffer.alloc(len - bytes.length, fill)]);
}

describe('reference vectors (mod-gearman-worker-go.md §3)', () => {
  const codec = new PayloadCodec({ encryption: true, key: GO_KEY });

  test('the Go vector (LF padded) decodes to the plaintext', () => {
    assert.equal(codec.decodeUnchecked(GO_VECTOR).toString(), 'encrypt me please');
    // It is no Mod-Gearman text, so the checked decoder refuses it with the coded error.
    assert.throws(() => codec.decode(GO_VECTOR), codeIs('MG_ERR_JOB_DECRYPT'));
  });

  test('our AES gives the same blocks (ECB: the LF-padded text is a prefix of what we encrypt)', () => {
    const lfPadded = padTo('encrypt me please', 16, 0x0a, false);
    const ours = Buffer.from(codec.encode(lfPadded), 'base64');
    assert.equal(ours.length, 48);
    assert.deepEqual(ours.subarray(0, 32), Buffer.from(GO_VECTOR, 'base64'));
    // And our own NUL padding of the plaintext round-trips.
    assert.equal(codec.decodeUnchecked(codec.encode('encrypt me please')).toString(), 'encrypt me please');
  });
});

describe('golden captures (fixtures/golden)', () => {
  test('every capture was found', () => {
    assert.equal(captures.filter((c) => c.kind === 'job').length, 32);
    assert.equal(captures.filter((c) => c.kind === 'result').length, 30);
    assert.equal(captures.filter((c) => c.kind === 'passive').length, 2);
  });

  test('deriveKey gives the effective AES key of each header', () => {
    for (const c of captures.filter((x) => x.aesKeyHex !== undefined)) {
      assert.equal(deriveKey(c.key).toString('hex'), c.aesKeyHex, c.file);
    }
  });

  for (const c of captures) {
    test(`${c.file}: decodes byte for byte and re-encodes to the identical base64`, () => {
      const codec = new PayloadCodec({ encryption: c.encrypted, key: c.key });
      assert.deepEqual(codec.decodeToBuffer(c.base64), c.plaintext);
      assert.equal(codec.decode(c.base64), c.plaintext.toString('utf8'));
      // Same padding as C (text + 1..16 NULs), same AES, same one-line base64.
      assert.equal(codec.encode(c.plaintext), c.base64);
      assert.equal(codec.encode(c.plaintext.toString('utf8')), c.base64);
    });
  }

  test('every raw workload under jobs/ and results/ decodes with its key to its capture', () => {
    const raws = loadRawWorkloads();
    assert.equal(raws.length, 62);
    for (const raw of raws) {
      const capture = captures.find((c) => c.base64 === raw.base64);
      assert.ok(capture, `${raw.file} has no NN-*.txt capture`);
      assert.equal(capture.keyTag, raw.keyTag, raw.file);
      const codec = new PayloadCodec({ encryption: true, key: capture.key });
      assert.deepEqual(codec.decodeToBuffer(raw.base64), capture.plaintext, raw.file);
    }
  });

  test('the 43-character key works as its first 32 bytes', () => {
    const long = captures.find((c) => c.keyTag === 'longkey' && c.encrypted)!;
    const codec = new PayloadCodec({ encryption: true, key: long.key.slice(0, 32) });
    assert.deepEqual(codec.decodeToBuffer(long.base64), long.plaintext);
  });

  test('a wrong key is MG_ERR_JOB_DECRYPT for every encrypted capture, never a raw exception', () => {
    const wrong = [
      new PayloadCodec({ encryption: true, key: 'e2e-test-key-but-wrong' }),
      new PayloadCodec({ encryption: true, key: 'ThisKeyIsLongerThan32Chars-0123X' }), // last of 32 bytes differs
      new PayloadCodec({ encryption: true, key: 'e2e-test-kez' }),
    ];
    for (const c of captures.filter((x) => x.encrypted)) {
      for (const codec of wrong) {
        assert.throws(
          () => codec.decode(c.base64),
          (e: unknown) => hasCode(e, 'MG_ERR_JOB_DECRYPT') && /key or the encryption= setting differs/.test(e.message),
          c.file,
        );
      }
    }
  });

  test('encryption=no: the clear send_gearman capture, and a mismatch either way', () => {
    const clear = captures.find((c) => !c.encrypted)!;
    const enc = captures.find((c) => c.kind === 'passive' && c.encrypted)!;
    const plain = new PayloadCodec({ encryption: false });
    assert.deepEqual(plain.decodeToBuffer(clear.base64), clear.plaintext);
    assert.equal(plain.encode(clear.plaintext), clear.base64);
    // The sender encrypts but we do not.
    assert.throws(() => plain.decode(enc.base64), (e: unknown) => hasCode(e, 'MG_ERR_JOB_DECRYPT') && /encryption=no here/.test(e.message));
    // We decrypt but the sender does not (187 bytes: not whole AES blocks), and the message says so.
    const aes = new PayloadCodec({ encryption: true, key: clear.key });
    assert.throws(() => aes.decode(clear.base64), (e: unknown) => hasCode(e, 'MG_ERR_JOB_DECRYPT') && /clear text/.test(e.message));
    // Unless clear results are accepted, as the NEB's accept_clear_results=yes does.
    const lenient = new PayloadCodec({ encryption: true, key: clear.key, acceptClear: true });
    assert.deepEqual(lenient.decodeToBuffer(clear.base64), clear.plaintext);
    assert.deepEqual(lenient.decodeToBuffer(enc.base64), enc.plaintext);
  });
});

describe('payload tolerance', () => {
  const key = 'e2e-test-key';
  const codec = new PayloadCodec({ encryption: true, key });

  test('NUL padding of any length, and NULs inside cut the text', () => {
    for (const extra of [1, 2, 7, 15, 16, 17, 32, 48]) {
      const bytes = Buffer.concat([Buffer.from(JOB), Buffer.alloc(extra)]);
      const aligned = Buffer.concat([bytes, Buffer.alloc((16 - (bytes.length % 16)) % 16)]);
      assert.equal(codec.decode(aesRaw(key, aligned)), JOB, `extra ${extra}`);
    }
    const withGarbage = padTo(`${JOB}\0garbage after the terminator`, 16, 0, true);
    assert.equal(codec.decode(aesRaw(key, withGarbage)), JOB);
  });

  test('the Perl gearman-proxy pads to 32 bytes, possibly with no NUL at all', () => {
    for (let fill = 0; fill < 40; fill++) {
      const text = `${JOB.slice(0, -3)}${'x'.repeat(fill)}\n\n\n`;
      const payload = aesRaw(key, padTo(text, 32, 0, false));
      const decoded = codec.decode(payload);
      // Aligned text has no NUL: its trailing LFs go as if they were Go padding; the job is the same.
      assert.ok(decoded === text || decoded === text.slice(0, -3), `fill ${fill}`);
      assert.deepEqual(parseJobText(decoded), parseJobText(text));
    }
  });

  test('the Go worker pads with LF', () => {
    const text = JOB.slice(0, -2); // Go results end with a single LF; any length
    for (let cut = 0; cut < 16; cut++) {
      const t = text.slice(0, text.length - cut);
      const decoded = codec.decode(aesRaw(key, padTo(t, 16, 0x0a, false)));
      assert.equal(decoded, t.replace(/\n+$/, ''), `cut ${cut}`);
    }
  });

  test('base64 wrapped in lines (LF, CRLF), with surrounding whitespace, or as a Buffer', () => {
    const payload = codec.encode(`${JOB.slice(0, -3)}command_line=${'y'.repeat(300)}\n\n\n`);
    const want = codec.decode(payload);
    const wrapped = payload.match(/.{1,76}/g)!;
    for (const variant of [
      `${wrapped.join('\n')}\n`,
      wrapped.join('\r\n'),
      `  \t${payload}\r\n`,
      `\n${wrapped.join('\n')}\n\n`,
    ]) {
      assert.equal(codec.decode(variant), want);
      assert.equal(codec.decode(Buffer.from(variant, 'latin1')), want);
    }
  });

  test('bad base64 is MG_ERR_JOB_BASE64', () => {
    for (const bad of ['!!!!', 'abc$defg', 'abcde', '=abc', 'ab=c', 'abcd=', 'ab==cd==', 'a-b_', 'abc\u00e9']) {
      assert.throws(() => codec.decode(bad), codeIs('MG_ERR_JOB_BASE64'), bad);
    }
  });

  test('empty payloads and empty texts are MG_ERR_JOB_EMPTY', () => {
    for (const empty of ['', '   ', '\r\n', Buffer.alloc(0)]) {
      assert.throws(() => codec.decode(empty), codeIs('MG_ERR_JOB_EMPTY'));
      assert.throws(() => new PayloadCodec({ encryption: false }).decode(empty), codeIs('MG_ERR_JOB_EMPTY'));
    }
    assert.throws(() => codec.decode(codec.encode('')), codeIs('MG_ERR_JOB_EMPTY'));
    assert.throws(() => codec.decode(Buffer.alloc(32).toString('base64')), (e: unknown) => isMgError(e));
  });

  test('a decrypted text that starts with NUL but is not all padding is MG_ERR_JOB_DECRYPT, not empty', () => {
    const garbage = Buffer.concat([Buffer.from([0]), Buffer.from('type=host\nsome bytes\n')]);
    assert.throws(() => codec.decode(aesRaw(key, padTo(garbage.toString('latin1'), 16, 0, false))), codeIs('MG_ERR_JOB_DECRYPT'));
    assert.throws(() => codec.decode(aesRaw(key, Buffer.alloc(48))), codeIs('MG_ERR_JOB_EMPTY'));
  });

  test('a ciphertext that is not whole blocks is MG_ERR_JOB_DECRYPT', () => {
    const payload = Buffer.from(codec.encode(JOB), 'base64');
    assert.throws(() => codec.decode(payload.subarray(0, 40).toString('base64')), codeIs('MG_ERR_JOB_DECRYPT'));
  });

  test('encode pads with 1..16 NULs: a 200-byte text becomes 208 bytes, 176 becomes 192', () => {
    for (const [len, want] of [[0, 16], [1, 16], [15, 16], [16, 32], [176, 192], [200, 208]] as const) {
      const text = `type=${'x'.repeat(Math.max(0, len - 5))}`.slice(0, len);
      assert.equal(Buffer.from(codec.encode(text), 'base64').length, want, `length ${len}`);
    }
  });

  test('encode refuses a NUL in the text (a C reader would cut it there)', () => {
    assert.throws(() => codec.encode('type=host\0x'), codeIs('MG_ERR_INVALID_ARGUMENT'));
  });

  test('encryption=no is base64 of the text, both ways, with no padding', () => {
    const plain = createPayloadCodec({ encryption: false });
    assert.equal(plain.encode(JOB), Buffer.from(JOB).toString('base64'));
    assert.equal(plain.decode(Buffer.from(JOB).toString('base64')), JOB);
    assert.throws(() => plain.decode(Buffer.from('hello world').toString('base64')), codeIs('MG_ERR_JOB_DECRYPT'));
  });

  test('a 100 KB job round-trips', () => {
    const text = buildJobText({ type: 'service', hostName: 'h1', serviceDescription: 's', commandLine: `/bin/echo ${'z'.repeat(100_000)}` });
    const payload = codec.encode(text);
    assert.equal(Buffer.from(payload, 'base64').length, (Math.floor(Buffer.byteLength(text) / 16) + 1) * 16);
    assert.equal(codec.decode(payload), text);
    assert.equal(parseJobText(codec.decode(payload)).commandLine?.length, 100_010);
  });
});

describe('keys', () => {
  test('shorter keys are NUL-padded, longer ones cut to 32 bytes, 32 bytes are used as they are', () => {
    assert.deepEqual(deriveKey('abc'), Buffer.concat([Buffer.from('abc'), Buffer.alloc(29)]));
    const k32 = 'K'.repeat(32);
    assert.deepEqual(deriveKey(k32), Buffer.from(k32));
    assert.deepEqual(deriveKey(`${k32}tail`), Buffer.from(k32));
    assert.deepEqual(deriveKey(Buffer.from(k32)), Buffer.from(k32));
    for (const key of ['abc', k32, `${k32}-longer`, 'ü-utf8-key']) {
      const codec = new PayloadCodec({ encryption: true, key });
      assert.equal(codec.decode(codec.encode(JOB)), JOB, key);
    }
    const a = new PayloadCodec({ encryption: true, key: `${k32}a` });
    const b = new PayloadCodec({ encryption: true, key: `${k32}b` });
    assert.equal(b.decode(a.encode(JOB)), JOB);
  });

  test('a key with an embedded NUL: C cuts there, Go keeps the bytes', () => {
    assert.deepEqual(deriveKey('abc\0def'), deriveKey('abc'));
    assert.deepEqual(deriveKey('abc\0def', 'go'), Buffer.concat([Buffer.from('abc\0def'), Buffer.alloc(25)]));
    const cut = new PayloadCodec({ encryption: true, key: 'abc\0def' });
    assert.equal(new PayloadCodec({ encryption: true, key: 'abc' }).decode(cut.encode(JOB)), JOB);
  });

  test('no key, an empty key or a key starting with NUL is MG_ERR_CRYPTO_KEY', () => {
    assert.throws(() => new PayloadCodec({ encryption: true }), codeIs('MG_ERR_CRYPTO_KEY'));
    assert.throws(() => new PayloadCodec({ encryption: true, key: '' }), codeIs('MG_ERR_CRYPTO_KEY'));
    assert.throws(() => deriveKey('\0abc'), codeIs('MG_ERR_CRYPTO_KEY'));
    assert.equal(deriveKey('\0abc', 'go').length, 32);
    // Without encryption no key is needed.
    assert.equal(new PayloadCodec({ encryption: false }).encryption, false);
  });

  test('weakKey flags keys under 8 bytes, as the C side warns', () => {
    assert.equal(new PayloadCodec({ encryption: true, key: 'short' }).weakKey, true);
    assert.equal(new PayloadCodec({ encryption: true, key: 'longenough' }).weakKey, false);
  });
});

describe('readKeyFile', () => {
  let dir = '';
  const write = (name: string, content: string | Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mg-keyfile-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('C rule: first line, at most 32 bytes, right-trimmed', () => {
    const cases: [string, string][] = [
      ['secret\n', 'secret'],
      ['secret', 'secret'],
      ['secret \t\r\n', 'secret'],
      ['  lead\n', '  lead'],
      ['line1\nline2\n', 'line1'],
      [`${'A'.repeat(40)}\n`, 'A'.repeat(32)],
      [`${'B'.repeat(31)}  x\n`, 'B'.repeat(31)],
    ];
    cases.forEach(([content, want], i) => {
      assert.equal(readKeyFile(write(`c${i}`, content)).toString(), want, JSON.stringify(content));
    });
  });

  test('Go rule: the whole file minus one trailing LF', () => {
    const cases: [string, string][] = [
      ['secret\n', 'secret'],
      ['secret', 'secret'],
      ['secret\r\n', 'secret\r'],
      ['secret \n', 'secret '],
      ['line1\nline2\n', 'line1\nline2'],
      ['secret\n\n', 'secret\n'],
    ];
    cases.forEach(([content, want], i) => {
      assert.equal(readKeyFile(write(`g${i}`, content), 'go').toString(), want, JSON.stringify(content));
    });
    const binary = Buffer.from([1, 0, 2, 0x0a]);
    assert.deepEqual(readKeyFile(write('bin', binary), 'go'), Buffer.from([1, 0, 2]));
  });

  test('both rules agree on a plain one-line key, and it decodes the golden captures', () => {
    const c = captures.find((x) => x.keyTag === 'longkey' && x.encrypted)!;
    const path = write('golden.key', `${c.key}\n`);
    for (const flavour of ['c', 'go'] as const) {
      const codec = new PayloadCodec({ encryption: true, key: readKeyFile(path, flavour), keyFlavour: flavour });
      assert.deepEqual(codec.decodeToBuffer(c.base64), c.plaintext);
    }
  });

  test('a missing or empty keyfile is MG_ERR_CRYPTO_KEY', () => {
    assert.throws(
      () => readKeyFile(join(dir, 'missing')),
      (e: unknown) => hasCode(e, 'MG_ERR_CRYPTO_KEY') && e.cause instanceof Error && e.details.path !== undefined,
    );
    assert.throws(() => readKeyFile(dir), codeIs('MG_ERR_CRYPTO_KEY'));
    assert.throws(() => readKeyFile(write('empty', '')), codeIs('MG_ERR_CRYPTO_KEY'));
    assert.throws(() => readKeyFile(write('blank', ' \n')), codeIs('MG_ERR_CRYPTO_KEY'));
    assert.throws(() => readKeyFile(write('lf', '\n'), 'go'), codeIs('MG_ERR_CRYPTO_KEY'));
  });
});

test('decode throws nothing but MgError for random input (seeded)', () => {
  const random = seededRandom(0x5eed);
  const codecs = [
    new PayloadCodec({ encryption: true, key: 'e2e-test-key' }),
    new PayloadCodec({ encryption: true, key: 'e2e-test-key', acceptClear: true }),
    new PayloadCodec({ encryption: false }),
  ];
  const allowed = new Set(['MG_ERR_JOB_EMPTY', 'MG_ERR_JOB_BASE64', 'MG_ERR_JOB_DECRYPT']);
  let decoded = 0;
  for (let i = 0; i < 400; i++) {
    const bytes = randomBytes(random, Math.floor(random() * 300));
    // Raw bytes, base64 of random bytes (reaches AES), and base64 of whole random blocks.
    const blocks = randomBytes(random, 16 * Math.floor(random() * 10));
    const inputs: (string | Buffer)[] = [bytes, bytes.toString('latin1'), bytes.toString('base64'), blocks.toString('base64')];
    for (const codec of codecs) {
      for (const input of inputs) {
        try {
          codec.decode(input);
          decoded++;
        } catch (e) {
          assert.ok(isMgError(e) && allowed.has(e.code), `unexpected ${String(e)}`);
        }
      }
    }
  }
  // Random bytes almost never look like a Mod-Gearman text.
  assert.ok(decoded < 5, `decoded ${decoded} random payloads`);
});
