import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { encodePacket, PacketParser } from '../../../src/gearman/codec.js';
import type { Packet } from '../../../src/gearman/codec.js';
import { ARG_COUNT, PacketType } from '../../../src/gearman/constants.js';
import type { PacketTypeName } from '../../../src/gearman/constants.js';
import { hasCode } from '../../../src/errors.js';
import type { ErrorCode } from '../../../src/errors.js';

const isCode = (code: ErrorCode) => (e: unknown) => hasCode(e, code);
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const strings = (p: Packet): string[] => p.args.map((a) => a.toString('latin1'));

test('encodes the byte examples of the protocol text', () => {
  assert.deepEqual(encodePacket('REQ', PacketType.CAN_DO, ['reverse']), hex('00524551 00000001 00000007 72657665727365'));
  assert.deepEqual(encodePacket('REQ', PacketType.GRAB_JOB), hex('00524551 00000009 00000000'));
  assert.deepEqual(
    encodePacket('REQ', PacketType.SUBMIT_JOB, ['reverse', '', 'test']),
    hex('00524551 00000007 0000000d 7265766572736500 00 74657374'),
  );
  assert.deepEqual(
    encodePacket('RES', PacketType.JOB_ASSIGN, ['H:lap:1', 'reverse', 'test']),
    hex('00524553 0000000b 00000014 483a6c61703a3100 7265766572736500 74657374'),
  );
});

test('round-trips every packet type, keeping NULs in the last argument', () => {
  for (const [name, type] of Object.entries(PacketType)) {
    const n = ARG_COUNT[name as PacketTypeName];
    const args = Array.from({ length: n }, (_, i) => (i === n - 1 ? Buffer.from(`data\0with\0nuls-${name}`) : `arg${i}`));
    for (const magic of ['REQ', 'RES'] as const) {
      const packets = new PacketParser().push(encodePacket(magic, type, args));
      assert.equal(packets.length, 1, name);
      const [p] = packets as [Packet];
      assert.equal(p.magic, magic);
      assert.equal(p.type, type);
      assert.deepEqual(p.args.map(String), args.map(String), name);
    }
  }
});

test('empty arguments survive, including an empty last one', () => {
  const [p] = new PacketParser().push(encodePacket('RES', PacketType.JOB_ASSIGN_UNIQ, ['H:1', 'fn', '', ''])) as [Packet];
  assert.deepEqual(strings(p), ['H:1', 'fn', '', '']);
  const [echo] = new PacketParser().push(encodePacket('REQ', PacketType.ECHO_REQ, [''])) as [Packet];
  assert.deepEqual(strings(echo), ['']);
});

const stream = Buffer.concat([
  encodePacket('RES', PacketType.NOOP),
  encodePacket('RES', PacketType.JOB_ASSIGN_UNIQ, ['H:host:42', 'check_host', 'uniq-1', Buffer.from('pay\0load')]),
  encodePacket('RES', PacketType.NO_JOB),
  encodePacket('RES', PacketType.ERROR, ['ERR_CODE', 'some text']),
  encodePacket('RES', PacketType.ECHO_RES, ['x']),
]);
const expected = new PacketParser().push(stream);

test('a stream split at every byte boundary gives the same packets', () => {
  assert.equal(expected.length, 5);
  for (let i = 0; i <= stream.length; i++) {
    const parser = new PacketParser();
    const got = [...parser.push(stream.subarray(0, i)), ...parser.push(stream.subarray(i))];
    assert.deepEqual(got, expected, `split at ${i}`);
    assert.equal(parser.buffered, 0);
  }
  for (let i = 1; i < stream.length; i++) {
    for (const j of [i + 1, i + 7, i + 13]) {
      if (j >= stream.length) continue;
      const parser = new PacketParser();
      const got = [...parser.push(stream.subarray(0, i)), ...parser.push(stream.subarray(i, j)), ...parser.push(stream.subarray(j))];
      assert.deepEqual(got, expected, `split at ${i} and ${j}`);
    }
  }
});

test('one byte per push gives the same packets', () => {
  const parser = new PacketParser();
  const got: Packet[] = [];
  for (const byte of stream) got.push(...parser.push(Buffer.from([byte])));
  assert.deepEqual(got, expected);
});

test('several packets in one chunk, and a partial one kept for later', () => {
  const parser = new PacketParser();
  const extra = encodePacket('RES', PacketType.NOOP);
  const got = parser.push(Buffer.concat([stream, extra.subarray(0, 5)]));
  assert.deepEqual(got, expected);
  assert.equal(parser.buffered, 5);
  assert.deepEqual(parser.push(extra.subarray(5)), [{ magic: 'RES', type: PacketType.NOOP, args: [] }]);
});

test('garbage is refused at its first byte with MG_ERR_GEARMAN_BAD_MAGIC, and stays refused until reset()', () => {
  const parser = new PacketParser();
  assert.throws(() => parser.push(Buffer.from('HTTP/1.1 400 Bad Request\r\n')), isCode('MG_ERR_GEARMAN_BAD_MAGIC'));
  assert.throws(() => parser.push(encodePacket('RES', PacketType.NOOP)), isCode('MG_ERR_GEARMAN_BAD_MAGIC'));
  parser.reset();
  assert.equal(parser.push(encodePacket('RES', PacketType.NOOP)).length, 1);

  assert.throws(() => new PacketParser().push(Buffer.from('E')), isCode('MG_ERR_GEARMAN_BAD_MAGIC'));
  assert.throws(() => new PacketParser().push(Buffer.from('\0RXS')), isCode('MG_ERR_GEARMAN_BAD_MAGIC'));
  // A valid prefix split over chunks is not garbage; a wrong 4th byte in the next chunk is.
  const p2 = new PacketParser();
  assert.deepEqual(p2.push(Buffer.from('\0R')), []);
  assert.throws(() => p2.push(Buffer.from('EX')), isCode('MG_ERR_GEARMAN_BAD_MAGIC'));
  // Garbage after a valid packet.
  assert.throws(
    () => new PacketParser().push(Buffer.concat([encodePacket('RES', PacketType.NOOP), Buffer.from('garbage')])),
    isCode('MG_ERR_GEARMAN_BAD_MAGIC'),
  );
});

test('an unknown type is refused with MG_ERR_GEARMAN_UNKNOWN_PACKET', () => {
  for (const type of [0, 5, 43, 0xffffffff]) {
    const header = Buffer.alloc(12);
    Buffer.from('\0RES', 'latin1').copy(header);
    header.writeUInt32BE(type, 4);
    assert.throws(() => new PacketParser().push(header), isCode('MG_ERR_GEARMAN_UNKNOWN_PACKET'), String(type));
  }
});

test('a body over maxPacketSize is refused from its header, before the body is buffered', () => {
  const header = Buffer.alloc(12);
  Buffer.from('\0RES', 'latin1').copy(header);
  header.writeUInt32BE(PacketType.WORK_COMPLETE, 4);
  header.writeUInt32BE(101, 8);
  const parser = new PacketParser({ maxPacketSize: 100 });
  assert.throws(() => parser.push(header), isCode('MG_ERR_GEARMAN_PACKET_TOO_LARGE'));
  header.writeUInt32BE(100, 8);
  assert.deepEqual(new PacketParser({ maxPacketSize: 100 }).push(header), []);
  // The default limit is 64 MiB.
  header.writeUInt32BE(64 * 1024 * 1024 + 1, 8);
  assert.throws(() => new PacketParser().push(header), isCode('MG_ERR_GEARMAN_PACKET_TOO_LARGE'));
  assert.throws(() => new PacketParser({ maxPacketSize: -1 }), isCode('MG_ERR_INVALID_ARGUMENT'));
});

test('wrong argument counts are refused with MG_ERR_GEARMAN_PROTOCOL', () => {
  const raw = (type: number, body: string): Buffer => {
    const b = Buffer.alloc(12 + body.length);
    Buffer.from('\0RES', 'latin1').copy(b);
    b.writeUInt32BE(type, 4);
    b.writeUInt32BE(body.length, 8);
    b.write(body, 12, 'latin1');
    return b;
  };
  assert.throws(() => new PacketParser().push(raw(PacketType.JOB_ASSIGN_UNIQ, 'H:1\0fn')), isCode('MG_ERR_GEARMAN_PROTOCOL'));
  assert.throws(() => new PacketParser().push(raw(PacketType.NOOP, 'x')), isCode('MG_ERR_GEARMAN_PROTOCOL'));
  assert.throws(() => new PacketParser().push(raw(PacketType.ERROR, 'no separator')), isCode('MG_ERR_GEARMAN_PROTOCOL'));
  // One separator more than needed belongs to the last argument.
  const [p] = new PacketParser().push(raw(PacketType.WORK_COMPLETE, 'H:1\0a\0b')) as [Packet];
  assert.deepEqual(strings(p), ['H:1', 'a\0b']);
});

test('encodePacket refuses our own mistakes with MG_ERR_INVALID_ARGUMENT', () => {
  assert.throws(() => encodePacket('REQ', 99, []), isCode('MG_ERR_INVALID_ARGUMENT'));
  assert.throws(() => encodePacket('REQ', PacketType.CAN_DO, []), isCode('MG_ERR_INVALID_ARGUMENT'));
  assert.throws(() => encodePacket('REQ', PacketType.SUBMIT_JOB, ['f\0n', '', 'x']), isCode('MG_ERR_INVALID_ARGUMENT'));
});

// Bounds are loose so a loaded CI box passes; a quadratic re-concatenation of 2,560 chunks (~50 GB copied) would not.
test('a 20 MB body in 8 KiB chunks parses in linear time', () => {
  const data = Buffer.alloc(20 * 1024 * 1024);
  for (let i = 0; i < data.length; i += 4096) data[i] = i % 251;
  data[123] = 0; // a NUL inside the data
  const wire = encodePacket('RES', PacketType.WORK_COMPLETE, ['H:big:1', data]);
  const parser = new PacketParser();
  const started = performance.now();
  const got: Packet[] = [];
  for (let i = 0; i < wire.length; i += 8192) got.push(...parser.push(wire.subarray(i, i + 8192)));
  const ms = performance.now() - started;
  assert.equal(got.length, 1);
  const [p] = got as [Packet];
  assert.equal(p.args[0]?.toString(), 'H:big:1');
  assert.equal(p.args[1]?.length, data.length);
  const sha = (b: Buffer | undefined): string => createHash('sha256').update(b ?? Buffer.alloc(0)).digest('hex');
  assert.equal(sha(p.args[1]), sha(data));
  assert.ok(ms < 5_000, `took ${ms} ms`);
});

test('100 000 small packets in one chunk parse quickly', () => {
  const one = encodePacket('RES', PacketType.JOB_CREATED, ['H:host:1']);
  const wire = Buffer.concat(Array.from({ length: 100_000 }, () => one));
  const started = performance.now();
  const got = new PacketParser().push(wire);
  const ms = performance.now() - started;
  assert.equal(got.length, 100_000);
  assert.ok(ms < 5_000, `took ${ms} ms`);
});
