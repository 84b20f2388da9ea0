import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRestricted, restrict, restrictArgv } from '../../../src/exec/restrict.js';

const opts = { paths: ['/usr/lib/nagios/plugins/', '/opt/checks'] };

test('isRestricted: only with at least one path', () => {
  assert.equal(isRestricted(undefined), false);
  assert.equal(isRestricted({ paths: [] }), false);
  assert.equal(isRestricted(opts), true);
});

test('admits a plugin under a listed folder, split and normalised', () => {
  const v = restrict('/usr/lib/nagios/plugins/./check_disk -w 10% -p /', opts);
  assert.ok(v.ok);
  assert.deepEqual(v.command.argv, ['/usr/lib/nagios/plugins/check_disk', '-w', '10%', '-p', '/']);
  const w = restrict('/opt/checks/sub/check_x', opts);
  assert.ok(w.ok);
  assert.deepEqual(w.command.argv, ['/opt/checks/sub/check_x']);
  assert.ok(restrict('/anything/at/all', { paths: ['/'] }).ok);
});

const REFUSED: Array<[string, string]> = [
  ['', 'ERROR: empty command line'],
  ['   ', 'ERROR: empty command line'],
  ['check_disk -w 10%', 'ERROR: restrict_path is set, so the command must start with an absolute path, got "check_disk"'],
  ['FOO=1 /usr/lib/nagios/plugins/check_x', 'ERROR: restrict_path is set, so the command must start with an absolute path, got "FOO=1"'],
  ['/usr/lib/nagios/plugins/check_x; rm -rf ~', 'ERROR: the command contains ";" at column 32, which restrict_command_characters forbids'],
  ['/usr/lib/nagios/plugins/check_x | cat', 'ERROR: the command contains "|" at column 33, which restrict_command_characters forbids'],
  ["/usr/lib/nagios/plugins/check_x 'a'", 'ERROR: the command contains "\'" at column 33, which restrict_command_characters forbids'],
  ['/usr/lib/nagios/plugins/check_x $(id)', 'ERROR: the command contains "$" at column 33, which restrict_command_characters forbids'],
  ['/usr/lib/nagios/plugins/check_x *', 'ERROR: restrict_path is set, so no shell is run, but the command needs one: "*" at column 33 outside quotes'],
  [
    '/usr/lib/nagios/plugins/../../../../bin/sh -c id',
    'ERROR: /usr/lib/nagios/plugins/../../../../bin/sh (normalised: /bin/sh) is not under restrict_path /usr/lib/nagios/plugins/, /opt/checks',
  ],
  ['/usr/lib/nagios/plugins-evil/check_x', 'ERROR: /usr/lib/nagios/plugins-evil/check_x is not under restrict_path /usr/lib/nagios/plugins/, /opt/checks'],
  ['/opt/checksum', 'ERROR: /opt/checksum is not under restrict_path /usr/lib/nagios/plugins/, /opt/checks'],
  ['/usr/lib/nagios', 'ERROR: /usr/lib/nagios is not under restrict_path /usr/lib/nagios/plugins/, /opt/checks'],
  ['//etc/../usr/lib/nagios/x', 'ERROR: //etc/../usr/lib/nagios/x (normalised: /usr/lib/nagios/x) is not under restrict_path /usr/lib/nagios/plugins/, /opt/checks'],
];

for (const [line, message] of REFUSED) {
  test(`refuses ${JSON.stringify(line)}`, () => {
    assert.deepEqual(restrict(line, opts), { ok: false, message });
  });
}

test('restrict_command_characters can be changed; an empty set still never allows a shell', () => {
  assert.deepEqual(restrict('/opt/checks/x a&b', { paths: ['/opt/checks'], characters: '&' }), {
    ok: false,
    message: 'ERROR: the command contains "&" at column 16, which restrict_command_characters forbids',
  });
  const v = restrict("/opt/checks/x 'a|b'", { paths: ['/opt/checks'], characters: '' });
  assert.ok(v.ok);
  assert.deepEqual(v.command.argv, ['/opt/checks/x', 'a|b']);
  assert.deepEqual(restrict('/opt/checks/x | y', { paths: ['/opt/checks'], characters: '' }), {
    ok: false,
    message: 'ERROR: restrict_path is set, so no shell is run, but the command needs one: "|" at column 15 outside quotes',
  });
});

test('an exact file path may be listed; relative list entries match nothing', () => {
  assert.ok(restrict('/opt/checks/x', { paths: ['/opt/checks/x'] }).ok);
  assert.equal(restrict('/opt/checks/x', { paths: ['opt/checks'] }).ok, false);
});

test('restrictArgv judges an already split argv (negate)', () => {
  const base = { kind: 'exec' as const, env: {}, needsShell: false as const, reason: null };
  assert.ok(restrictArgv({ ...base, argv: ['/opt/checks/a/../b', 'x'] }, opts).ok);
  assert.deepEqual(restrictArgv({ ...base, argv: ['./b'] }, opts), {
    ok: false,
    message: 'ERROR: restrict_path is set, so the command must start with an absolute path, got "./b"',
  });
});
