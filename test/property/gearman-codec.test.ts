// fast-check: the Gearman packet parser takes any byte stream, cut anywhere, and gives packets or a coded
// MgError; valid packets survive any chunking unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodePacket, PacketParser, type Packet } from '../../src/gearman/codec.js';
import { PacketType, packetTypeInfo } from '../../src/gearman/constants.js';
import { FC_PARAMS, onlyCodedErrors } from './only-coded-errors.js';

/** Cuts `bytes` at the given fractions. */
function chunked(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  return out;
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });

test('any bytes in any chunks: packets or a coded MgError, and after an error the parser keeps failing with it', () => {
  const header = fc.constantFrom(Buffer.from('\0RES'), Buffer.from('\0REQ'), Buffer.alloc(0));
  fc.assert(
    fc.property(header, fc.uint8Array({ maxLength: 200 }), cuts, fc.integer({ min: 0, max: 256 }), (h, body, c, max) => {
      const parser = new PacketParser({ maxPacketSize: max });
      let failed: unknown;
      for (const chunk of chunked(Buffer.concat([h, Buffer.from(body)]), c)) {
        try {
          parser.push(chunk);
        } catch (err) {
          onlyCodedErrors(() => {
            throw err;
          });
          failed ??= err;
        }
      }
      if (failed !== undefined) assert.throws(() => parser.push(Buffer.from('x')), (e: unknown) => e === failed || (e as { code?: string }).code === (failed as { code?: string }).code);
    }),
    FC_PARAMS,
  );
});

test('valid packets come out whole and in order whatever the chunking', () => {
  const types = [PacketType.JOB_ASSIGN_UNIQ, PacketType.NO_JOB, PacketType.NOOP, PacketType.JOB_CREATED, PacketType.ERROR];
  // Exactly the argument count of each type: NUL-free leading arguments, binary last one.
  const packet = fc.constantFrom(...types).chain((type) => {
    const n = packetTypeInfo(type)?.argCount ?? 0;
    return fc.record({
      type: fc.constant(type),
      args: fc.array(fc.string({ maxLength: 20 }).filter((s) => !s.includes('\0')), { minLength: Math.max(0, n - 1), maxLength: Math.max(0, n - 1) }),
      last: n === 0 ? fc.constant(undefined) : fc.uint8Array({ maxLength: 50 }),
    });
  });
  fc.assert(
    fc.property(fc.array(packet, { minLength: 1, maxLength: 6 }), cuts, (packets, c) => {
      const wire = Buffer.concat(packets.map((p) => encodePacket('RES', p.type, p.last === undefined ? p.args : [...p.args, Buffer.from(p.last)])));
      const parser = new PacketParser();
      const got: Packet[] = [];
      for (const chunk of chunked(wire, c)) got.push(...parser.push(chunk));
      assert.equal(got.length, packets.length);
      got.forEach((g, i) => {
        const p = packets[i];
        assert.equal(g.type, p?.type);
        if (p?.last !== undefined) assert.deepEqual(g.args.map(String), [...p.args, Buffer.from(p.last).toString()]);
      });
      assert.equal(parser.buffered, 0);
    }),
    FC_PARAMS,
  );
});
