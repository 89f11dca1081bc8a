#!/usr/bin/env node
// Runs the official MCP conformance suite (@modelcontextprotocol/conformance, which needs Node 22:
// fetched from the npm registry by npx) against ringmem's Streamable HTTP server.
//
//   node tools/conformance.mjs            (after `npm run build`)
//
// Exits non-zero if any applicable scenario fails. Scenarios that need the reference server's
// fixture tools, prompts or resources are listed as skipped, with the reason.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SUITE = '@modelcontextprotocol/conformance@0.1.16';
const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}dist/cli/main.js`;

const APPLICABLE = [
  'server-initialize',
  'ping',
  'tools-list',
  'dns-rebinding-protection',
  'logging-set-level',
  'resources-list',
];

const SKIPPED = {
  'completion-complete':
    'ringmem offers no prompts or resource templates with completable arguments',
  'tools-call-simple-text': 'calls the reference fixture tool test_simple_text',
  'tools-call-image': 'calls the reference fixture tool test_image_content',
  'tools-call-audio': 'calls the reference fixture tool test_audio_content',
  'tools-call-embedded-resource': 'calls the reference fixture tool test_embedded_resource',
  'tools-call-mixed-content': 'calls the reference fixture tool test_multiple_content_types',
  'tools-call-with-logging': 'calls the reference fixture tool test_tool_with_logging',
  'tools-call-error': 'calls the reference fixture tool test_error_handling',
  'tools-call-with-progress':
    'calls the reference fixture tool test_tool_with_progress (ringmem progress is tested in test/mcp-tools.test.ts)',
  'tools-call-sampling': 'calls the reference fixture tool test_sampling; ringmem never samples',
  'tools-call-elicitation':
    'calls the reference fixture tool test_elicitation; ringmem never elicits',
  'json-schema-2020-12': 'expects the reference fixture tool json_schema_2020_12_tool',
  'elicitation-sep1034-defaults': 'calls a reference fixture elicitation tool',
  'elicitation-sep1330-enums': 'calls a reference fixture elicitation tool',
  'server-sse-polling': 'calls the reference fixture tool test_reconnection',
  'server-sse-multiple-streams': 'calls reference fixture tools',
  'resources-read-text': 'reads the reference fixture resource test://static-text',
  'resources-read-binary': 'reads the reference fixture resource test://static-binary',
  'resources-templates-read': 'reads the reference fixture template test://template/{id}/data',
  'resources-subscribe': 'ringmem does not offer resource subscriptions',
  'resources-unsubscribe': 'ringmem does not offer resource subscriptions',
  'prompts-list': 'ringmem offers no prompts',
  'prompts-get-simple': 'ringmem offers no prompts',
  'prompts-get-with-args': 'ringmem offers no prompts',
  'prompts-get-embedded-resource': 'ringmem offers no prompts',
  'prompts-get-with-image': 'ringmem offers no prompts',
};

if (!existsSync(cli)) {
  console.error('dist/cli/main.js is missing: run `npm run build` first');
  process.exit(2);
}

const server = spawn(
  process.execPath,
  [cli, 'serve', '--http', '--port', '0', '--log-level', 'warning'],
  {
    stdio: ['ignore', 'ignore', 'pipe'],
  },
);
let stderr = '';
const url = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 30_000);
  server.stderr.on('data', (d) => {
    stderr += String(d);
    const m = /listening on (http:\/\/\S+)/.exec(stderr);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]);
    }
  });
  server.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${stderr}`)));
});

const rows = [];
let failed = 0;
for (const scenario of APPLICABLE) {
  const run = spawnSync(
    'npx',
    [
      '-y',
      '-p',
      'node@22',
      '-p',
      SUITE,
      '--',
      'conformance',
      'server',
      '--url',
      url,
      '--scenario',
      scenario,
    ],
    { encoding: 'utf8', timeout: 180_000 },
  );
  const out = `${run.stdout}\n${run.stderr}`;
  const m = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(out);
  const ok = m !== null && m[3] === '0' && m[1] === m[2];
  if (!ok) {
    failed++;
    console.error(`--- ${scenario} output ---\n${out.replace(/^npm warn.*\n/gm, '')}`);
  }
  rows.push(`| ${scenario} | ${m ? `${m[1]}/${m[2]}` : 'no result'} | ${ok ? 'pass' : 'FAIL'} |`);
}
server.kill('SIGTERM');

console.log(`MCP conformance (${SUITE}) against ${url}\n`);
console.log('| scenario | checks passed | result |\n|---|---|---|');
console.log(rows.join('\n'));
console.log('\nSkipped (not applicable to a server without the reference fixtures):');
for (const [s, why] of Object.entries(SKIPPED)) console.log(`- ${s}: ${why}`);
console.log(`\n${APPLICABLE.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
