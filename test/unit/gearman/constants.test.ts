import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARG_COUNT,
  HEADER_SIZE,
  MAGIC_REQ,
  MAGIC_RES,
  PacketType,
  packetTypeInfo,
  packetTypeName,
} from '../../../src/gearman/constants.js';
import type { PacketTypeName } from '../../../src/gearman/constants.js';

test('magic codes and header size follow the protocol text', () => {
  assert.deepEqual([...MAGIC_REQ], [0, 0x52, 0x45, 0x51]);
  assert.deepEqual([...MAGIC_RES], [0, 0x52, 0x45, 0x53]);
  assert.equal(HEADER_SIZE, 12);
});

test('packet numbers match the protocol table', () => {
  const expected: [PacketTypeName, number][] = [
    ['CAN_DO', 1], ['CANT_DO', 2], ['RESET_ABILITIES', 3], ['PRE_SLEEP', 4], ['NOOP', 6], ['SUBMIT_JOB', 7],
    ['JOB_CREATED', 8], ['GRAB_JOB', 9], ['NO_JOB', 10], ['JOB_ASSIGN', 11], ['WORK_STATUS', 12], ['WORK_COMPLETE', 13],
    ['WORK_FAIL', 14], ['GET_STATUS', 15], ['ECHO_REQ', 16], ['ECHO_RES', 17], ['SUBMIT_JOB_BG', 18], ['ERROR', 19],
    ['STATUS_RES', 20], ['SUBMIT_JOB_HIGH', 21], ['SET_CLIENT_ID', 22], ['CAN_DO_TIMEOUT', 23], ['ALL_YOURS', 24],
    ['WORK_EXCEPTION', 25], ['OPTION_REQ', 26], ['OPTION_RES', 27], ['WORK_DATA', 28], ['WORK_WARNING', 29],
    ['GRAB_JOB_UNIQ', 30], ['JOB_ASSIGN_UNIQ', 31], ['SUBMIT_JOB_HIGH_BG', 32], ['SUBMIT_JOB_LOW', 33],
    ['SUBMIT_JOB_LOW_BG', 34], ['SUBMIT_JOB_SCHED', 35], ['SUBMIT_JOB_EPOCH', 36], ['SUBMIT_REDUCE_JOB', 37],
    ['SUBMIT_REDUCE_JOB_BG', 38], ['GRAB_JOB_ALL', 39], ['JOB_ASSIGN_ALL', 40], ['GET_STATUS_UNIQUE', 41],
    ['STATUS_RES_UNIQUE', 42],
  ];
  assert.equal(Object.keys(PacketType).length, expected.length);
  for (const [name, number] of expected) assert.equal(PacketType[name], number, name);
});

test('argument counts of the types workers and clients use', () => {
  assert.equal(ARG_COUNT.JOB_ASSIGN_UNIQ, 4);
  assert.equal(ARG_COUNT.SUBMIT_JOB_BG, 3);
  assert.equal(ARG_COUNT.WORK_COMPLETE, 2);
  assert.equal(ARG_COUNT.WORK_FAIL, 1);
  assert.equal(ARG_COUNT.WORK_STATUS, 3);
  assert.equal(ARG_COUNT.STATUS_RES, 5);
  assert.equal(ARG_COUNT.ERROR, 2);
  assert.equal(ARG_COUNT.NOOP, 0);
  assert.equal(ARG_COUNT.GRAB_JOB_UNIQ, 0);
});

test('packetTypeInfo knows every type and nothing else', () => {
  for (const [name, number] of Object.entries(PacketType)) {
    assert.deepEqual(packetTypeInfo(number), { name, argCount: ARG_COUNT[name as PacketTypeName] });
  }
  for (const unknown of [0, 5, 43, 1000, -1, 1.5]) assert.equal(packetTypeInfo(unknown), undefined, String(unknown));
  assert.equal(packetTypeName(31), 'JOB_ASSIGN_UNIQ');
  assert.equal(packetTypeName(99), 'UNKNOWN(99)');
});
