#!/usr/bin/env node
import { runCli } from './run.js';

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`ringmem: ${error.stack ?? error.message}\n`);
    process.exitCode = 1;
  },
);
