// The catalogue of mg-epn-check's findings: R1-R24 of reference epn.md (b), the classification findings (C1-C3,
// layer 1) and the linter's own (E1-E3). The Perl helper reports rule, place and a specific "what"; this table
// adds the default severity, why it breaks under EPN and the fix. docs/rules/<id>.md is generated from it.

export type Severity = 'error' | 'warning' | 'info';

export interface RuleInfo {
  readonly title: string;
  /** error: incompatible; warning: compatible with warnings; info: does not change the verdict. */
  readonly severity: Severity;
  readonly why: string;
  readonly fix: string;
  /** A short violating example, for the docs page. */
  readonly example: string;
}

export const RULES = {
  C1: { title: 'not run via EPN', severity: 'info', why: 'The header rule (a /bin/perl shebang, "# nagios: +epn" in lines 2-10, or use_embedded_perl_implicitly) sends this plugin to a fork, so the EPN findings only matter if that changes.', fix: 'Nothing to do, or add "# nagios: +epn" on line 2 once the findings are fixed.', example: '#!/bin/sh' },
  C2: { title: 'C and Go workers classify the header differently', severity: 'warning', why: 'The C worker and the Go worker read the header differently (env shebang, "+ epn", indentation, a non-epn "# nagios:" line), so the same plugin runs via EPN on one and forked on the other.', fix: 'Use "#!/usr/bin/perl" on line 1 and exactly "# nagios: +epn" (or "-epn") on line 2.', example: '#!/usr/bin/env perl\n# nagios: +epn' },
  C3: { title: 'sample command line keeps the check out of EPN', severity: 'info', why: 'A shell metacharacter outside single quotes makes the worker run the command through /bin/sh, never through EPN.', fix: 'Single-quote the argument, or accept that this command line is forked.', example: "check_foo.pl -w 5 2>&1" },
  E1: { title: 'does not compile in the EPN wrapper', severity: 'error', why: 'The farm\'s wrapper could not compile the plugin; every check would answer UNKNOWN "**ePN failed to compile".', fix: 'Run perl -c on the plugin; if plain perl compiles it, see the other findings for the EPN-specific cause.', example: 'sub { ' },
  E2: { title: 'the linter could not check everything', severity: 'warning', why: 'A layer of the linter failed (helper crashed, timeout, unreadable file); the verdict may miss findings.', fix: 'Read the message; rerun with the file readable and perl + libppi-perl installed.', example: '' },
  E3: { title: 'EPN run differs from plain perl', severity: 'error', why: 'With the sample arguments, the plugin gave a different return code or output under EPN (or on a second run in one interpreter) than under plain perl.', fix: 'See the named variable or the other findings; as a last resort add "# nagios: -epn".', example: 'our $n; $n++; print "n=$n\\n"; exit 0;' },
  R1: { title: '__END__ or __DATA__', severity: 'error', why: 'p1-style hosts paste the plugin into "sub hndlr { ... }": everything after the token, including the closing brace, is cut off ("Missing right curly").', fix: 'Remove the token; move POD before the code or into a here-doc, and data into a here-doc.', example: 'exit 0;\n__END__\n=head1 NAME' },
  R2: { title: 'the DATA handle', severity: 'error', why: 'Under p1 hosts the DATA handle is not the plugin\'s (there is no __DATA__ section once wrapped).', fix: 'Put the data in a here-doc: my $data = <<\'EOT\'; ... EOT', example: 'my @lines = <DATA>;' },
  R3: { title: 'file-scope lexical used in a named sub', severity: 'error', why: 'Wrapped by p1, every named sub is nested inside the handler sub: with warnings the compile fails ("will not stay shared"); without fork the sub keeps the first run\'s value.', fix: 'Pass the value as an argument, use an anonymous sub (my $show = sub { ... }), or declare it with our.', example: 'my $x = $ARGV[0];\nsub show { print $x }' },
  R4: { title: 'global state written without local', severity: 'warning', why: 'In an interpreter that runs checks without fork (mini_epn, some hosts) package variables, %ENV, cwd, umask, $/ and Getopt config persist into the next check.', fix: 'Use local ($ENV{X}, $/ ...), my variables, or restore the state before exit.', example: 'our $count; $count++;' },
  R5: { title: 'compile-time code (BEGIN, INIT, CHECK)', severity: 'warning', why: 'It runs once, in the long-lived host: its output is lost, exit makes the compile fail, rand() seeds every later check alike.', fix: 'Move the code into the main program; report a missing module at run time (eval { require X } or print UNKNOWN and exit 3).', example: 'BEGIN { print "UNKNOWN\\n"; exit 3 }' },
  R6: { title: 'exit inside eval or a __DIE__ handler', severity: 'error', why: 'p1 and Go implement exit as die: the plugin\'s own eval swallows it and the code continues; a __DIE__ handler sees the exit as an error.', fix: 'Set the state inside the eval and call exit after it; drop the __DIE__ handler or make it ignore /^ExitTrap/.', example: 'eval { check(); exit 0 };' },
  R7: { title: 'bare exit or non-numeric exit', severity: 'warning', why: 'Under p1 and mod_gearman C a bare exit gives UNKNOWN (the trap warns on undef, fatally); a string cannot be read as a code.', fix: 'exit 0; (or the numeric state: exit $ERRORS{OK}).', example: 'print "OK\\n";\nexit;' },
  R8: { title: 'no exit', severity: 'error', why: 'A plugin that falls off the end gives rc 3 "plugin did not call exit()" under EPN, and 0 under plain perl.', fix: 'End the plugin with exit 0 (or the state code).', example: 'print "OK - fine\\n";' },
  R9: { title: 'die outside eval', severity: 'warning', why: 'Under EPN a die gives UNKNOWN with an **ePN text; plain perl exits 255 (CRITICAL): the state differs.', fix: 'Catch errors and exit 3 with an UNKNOWN text.', example: 'open my $fh, "<", $f or die "no $f";' },
  R10: { title: 'warnings', severity: 'warning', why: 'p1 and mod_gearman C make every warning fatal (UNKNOWN); Go appends it to the output.', fix: 'Print diagnostics to STDERR only when debugging; fix the cause of run-time warnings.', example: 'warn "odd value\\n";' },
  R11: { title: 'implicit use strict', severity: 'error', why: 'p1 compiles every plugin under use strict: an undeclared global fails to compile ("Global symbol requires explicit package name").', fix: 'Add use strict and declare variables with my (or our).', example: '$status = "OK";' },
  R12: { title: '#! switches are ignored', severity: 'warning', why: 'Once wrapped, the #! line is a comment: -T, -I, -l, -n, -p, -0, -C are lost (-w is emulated by p1 at run time).', fix: 'Use the pragma or code instead: use lib, use open, chomp; or mark the plugin "# nagios: -epn" when taint mode is needed.', example: '#!/usr/bin/perl -T' },
  R13: { title: '$0, __FILE__, FindBin, Pod::Usage', severity: 'warning', why: 'Under p1 hosts $0 and FindBin name the host script, __FILE__ is "(eval N)", and Pod::Usage reads the host\'s POD.', fix: 'Use $ENV{NAGIOS_PLUGIN} // $0 for the plugin\'s path.', example: 'use FindBin; use lib "$FindBin::Bin/lib";' },
  R14: { title: 'use lib and @INC edits', severity: 'warning', why: '@INC grows for every later plugin, relative paths resolve against the worker\'s cwd, and the first loaded module version wins for all plugins.', fix: 'Install shared modules into perl\'s @INC, or give each plugin\'s modules unique names.', example: "use lib '/opt/a/lib';" },
  R15: { title: 'shared package namespace', severity: 'warning', why: 'Packages other than the wrapper\'s are global to the interpreter: two plugins bundling one package redefine each other\'s subs (C hosts fail, Go silently replaces).', fix: 'Give bundled packages a name unique to the plugin (CheckFoo::Lib), as check_nwc_health did.', example: 'package Shared::Lib;' },
  R16: { title: 'signals and alarm', severity: 'warning', why: '%SIG and alarm are process-global: a handler or alarm outlives the check without fork, and a plugin alarm replaces the host\'s timeout.', fix: 'local $SIG{ALRM} = sub { ... }; alarm N; ... alarm 0;', example: '$SIG{ALRM} = sub { exit 2 };\nalarm 10;' },
  R17: { title: 'fork, exec, system, pipes', severity: 'warning', why: 'A forked child inherits the exit trap and may send a second result, exec replaces the EPN process, system() output bypasses the STDOUT tie, IPC::Open3 dies under p1.', fix: 'Use backticks or qx// for command output; in a forked child call POSIX::_exit; or mark the plugin "# nagios: -epn".', example: 'exec "/usr/bin/true";' },
  R18: { title: 'STDIN', severity: 'warning', why: 'A check has no input under EPN; in a pipe-based farm fd 0 may be the host\'s stream.', fix: 'Take input from arguments or files.', example: 'my $l = <STDIN>;' },
  R19: { title: 'output that bypasses the STDOUT tie', severity: 'error', why: 'p1 ties STDOUT with PRINT/PRINTF only: format/write output is lost, syswrite/fileno/binmode on STDOUT die.', fix: 'Use print or printf (sprintf instead of formats).', example: 'syswrite STDOUT, "OK\\n";' },
  R20: { title: 'END blocks', severity: 'warning', why: 'END blocks run when the interpreter exits, not per check; the Go worker runs every compiled plugin\'s END blocks in every later child.', fix: 'Clean up before exit in the main program.', example: 'END { unlink $tmp }' },
  R21: { title: 'use diagnostics', severity: 'warning', why: 'It installs process-global __WARN__ and __DIE__ handlers that outlive the plugin (the Nagios docs: "all Perl plugins return CRITICAL").', fix: 'Remove use diagnostics.', example: 'use diagnostics;' },
  R22: { title: 'argument parsing under p1', severity: 'warning', why: 'p1 splits the arguments with parse_line: leading/trailing blanks give empty or undef arguments, an unbalanced quote gives no arguments at all, shell syntax is passed literally.', fix: 'Trim the command line, balance quotes, avoid shell syntax in EPN command lines.', example: "check_foo.pl -H host '" },
  R23: { title: 'recompiles and memory', severity: 'warning', why: 'String eval and do FILE compile code on every check; the long-lived host\'s memory only grows.', fix: 'Use require (once per interpreter) or a block eval.', example: 'eval "use $module; 1";' },
  R24: { title: 'exits that bypass the trap', severity: 'error', why: 'CORE::exit, POSIX::_exit and kill of $$ end the process with no result (and without fork kill the interpreter).', fix: 'Use exit N.', example: 'POSIX::_exit(2);' },
} as const satisfies Record<string, RuleInfo>;

export type RuleId = keyof typeof RULES;

/** Whether `id` is a rule of the catalogue. */
export function isRuleId(id: string): id is RuleId {
  return Object.hasOwn(RULES, id);
}

/** The docs page of a rule, relative to the repository (also the SARIF helpUri path). */
export function rulePage(id: RuleId): string {
  return `docs/rules/${id}.md`;
}
