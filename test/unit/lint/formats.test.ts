import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withRule, type PluginReport } from '../../../src/lint/finding.js';
import { escapeData, escapeProperty, formatGithub } from '../../../src/lint/formats/github.js';
import { formatJunit } from '../../../src/lint/formats/junit.js';
import { formatText } from '../../../src/lint/formats/text.js';

const report: PluginReport = {
  file: '/repo/plugins/a,b.pl',
  verdict: 'incompatible',
  suppressed: [],
  findings: [withRule('/repo/plugins/a,b.pl', 'static', { rule: 'R1', line: 12, col: 1, what: 'has <__END__> & "POD"\nafter it: 100%' })],
};

test('github: data and properties escaped as the runner wants', () => {
  assert.equal(escapeData('a%b\r\nc'), 'a%25b%0D%0Ac');
  assert.equal(escapeProperty('x:y,z'), 'x%3Ay%2Cz');
  assert.match(formatGithub([report], { cwd: '/repo' }), /^::error file=plugins\/a%2Cb\.pl,line=12,col=1,title=R1 __END__ or __DATA__::has <__END__> & "POD"%0Aafter it: 100%25 — /);
});

test('junit and text: XML escaped, paths relative to cwd', () => {
  const xml = formatJunit([report], { cwd: '/repo' });
  assert.match(xml, /<testcase classname="mg-epn-check" name="plugins\/a,b\.pl" file="plugins\/a,b\.pl"><failure type="incompatible" message="incompatible: 1 finding\(s\)">plugins\/a,b\.pl:12:1 {2}R1 {2}has &lt;__END__&gt; &amp; &quot;POD&quot;/);
  assert.match(formatText([report], { cwd: '/other' }), /^ {2}\/repo\/plugins\/a,b\.pl:12:1 {2}R1 {2}has/m);
});
