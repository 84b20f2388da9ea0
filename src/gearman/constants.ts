// Gearman binary protocol constants: magic codes, packet type numbers and the argument layout of each type.
// @see http://gearman.org/protocol/ ("Binary Packet"); the argument counts follow gearmand's own table,
// libgearman/command.cc `gearmand_command_info_list` (its `args` column plus one when `data` is true).

/** Every binary packet starts with a 12-byte header: 4 bytes magic, 4 bytes type (BE), 4 bytes body size (BE). */
export const HEADER_SIZE = 12;

/** "\0REQ" marks packets sent to a job server, "\0RES" packets sent by it. @see protocol "Binary Packet" */
export const MAGIC_REQ = Buffer.from('\0REQ', 'latin1');
export const MAGIC_RES = Buffer.from('\0RES', 'latin1');

export type Magic = 'REQ' | 'RES';

/**
 * A body above this size is refused before it is buffered. 64 MiB leaves room for Mod-Gearman results with
 * a large plugin output (20 MB and more, base64 inflated) while bounding what a broken peer can make us hold.
 */
export const DEFAULT_MAX_PACKET_SIZE = 64 * 1024 * 1024;

/**
 * Packet type numbers. @see protocol "Binary Packet" table; 37/38 (SUBMIT_REDUCE_JOB*) and 39-42 are the
 * gearmand 1.x additions listed in libgearman-1.0/protocol.h `gearman_command_t`.
 */
export const PacketType = {
  CAN_DO: 1,
  CANT_DO: 2,
  RESET_ABILITIES: 3,
  PRE_SLEEP: 4,
  // 5 is unused by the protocol.
  NOOP: 6,
  SUBMIT_JOB: 7,
  JOB_CREATED: 8,
  GRAB_JOB: 9,
  NO_JOB: 10,
  JOB_ASSIGN: 11,
  WORK_STATUS: 12,
  WORK_COMPLETE: 13,
  WORK_FAIL: 14,
  GET_STATUS: 15,
  ECHO_REQ: 16,
  ECHO_RES: 17,
  SUBMIT_JOB_BG: 18,
  ERROR: 19,
  STATUS_RES: 20,
  SUBMIT_JOB_HIGH: 21,
  SET_CLIENT_ID: 22,
  CAN_DO_TIMEOUT: 23,
  ALL_YOURS: 24,
  WORK_EXCEPTION: 25,
  OPTION_REQ: 26,
  OPTION_RES: 27,
  WORK_DATA: 28,
  WORK_WARNING: 29,
  GRAB_JOB_UNIQ: 30,
  JOB_ASSIGN_UNIQ: 31,
  SUBMIT_JOB_HIGH_BG: 32,
  SUBMIT_JOB_LOW: 33,
  SUBMIT_JOB_LOW_BG: 34,
  SUBMIT_JOB_SCHED: 35,
  SUBMIT_JOB_EPOCH: 36,
  SUBMIT_REDUCE_JOB: 37,
  SUBMIT_REDUCE_JOB_BG: 38,
  GRAB_JOB_ALL: 39,
  JOB_ASSIGN_ALL: 40,
  GET_STATUS_UNIQUE: 41,
  STATUS_RES_UNIQUE: 42,
} as const;

export type PacketTypeName = keyof typeof PacketType;
export type PacketTypeNumber = (typeof PacketType)[PacketTypeName];

/**
 * Number of arguments in each type's body. Arguments are separated by NUL bytes; the last one runs to the end
 * of the body and may itself contain NULs (it is the opaque data). Zero means the body must be empty.
 * @see protocol, the "Arguments:" list under each packet type.
 */
export const ARG_COUNT: Readonly<Record<PacketTypeName, number>> = {
  CAN_DO: 1, // function
  CANT_DO: 1, // function
  RESET_ABILITIES: 0,
  PRE_SLEEP: 0,
  NOOP: 0,
  SUBMIT_JOB: 3, // function, unique, data
  JOB_CREATED: 1, // handle
  GRAB_JOB: 0,
  NO_JOB: 0,
  JOB_ASSIGN: 3, // handle, function, data
  WORK_STATUS: 3, // handle, numerator, denominator
  WORK_COMPLETE: 2, // handle, data
  WORK_FAIL: 1, // handle
  GET_STATUS: 1, // handle
  ECHO_REQ: 1, // data
  ECHO_RES: 1, // data
  SUBMIT_JOB_BG: 3,
  ERROR: 2, // code, text
  STATUS_RES: 5, // handle, known, running, numerator, denominator
  SUBMIT_JOB_HIGH: 3,
  SET_CLIENT_ID: 1, // id
  CAN_DO_TIMEOUT: 2, // function, timeout
  ALL_YOURS: 0,
  WORK_EXCEPTION: 2, // handle, data
  OPTION_REQ: 1, // option name
  OPTION_RES: 1, // option name
  WORK_DATA: 2, // handle, data
  WORK_WARNING: 2, // handle, data
  GRAB_JOB_UNIQ: 0,
  JOB_ASSIGN_UNIQ: 4, // handle, function, unique, data
  SUBMIT_JOB_HIGH_BG: 3,
  SUBMIT_JOB_LOW: 3,
  SUBMIT_JOB_LOW_BG: 3,
  SUBMIT_JOB_SCHED: 8, // function, unique, minute, hour, day of month, month, day of week, data
  SUBMIT_JOB_EPOCH: 4, // function, unique, epoch, data
  SUBMIT_REDUCE_JOB: 5, // function, unique, reducer, aggregator, data
  SUBMIT_REDUCE_JOB_BG: 5,
  GRAB_JOB_ALL: 0,
  JOB_ASSIGN_ALL: 5, // handle, function, unique, reducer, data
  GET_STATUS_UNIQUE: 1, // unique
  STATUS_RES_UNIQUE: 6, // unique, known, running, numerator, denominator, client count
};

export interface PacketTypeInfo {
  readonly name: PacketTypeName;
  readonly argCount: number;
}

// Indexed by type number for the parser's hot path; holes are unknown types.
const INFO_BY_NUMBER: (PacketTypeInfo | undefined)[] = [];
for (const name of Object.keys(PacketType) as PacketTypeName[]) {
  INFO_BY_NUMBER[PacketType[name]] = Object.freeze({ name, argCount: ARG_COUNT[name] });
}

/** The name and argument count of a type number, or undefined when the number is not a known type. */
export function packetTypeInfo(type: number): PacketTypeInfo | undefined {
  return Number.isInteger(type) && type >= 0 ? INFO_BY_NUMBER[type] : undefined;
}

/** A type's name for logs and messages: `JOB_ASSIGN_UNIQ`, or `UNKNOWN(99)`. */
export function packetTypeName(type: number): string {
  return packetTypeInfo(type)?.name ?? `UNKNOWN(${type})`;
}
