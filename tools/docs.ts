// Rewrites the generated sections of README.md (tool reference, configuration table) from the
// code that defines them. `npm run docs`; test/readme.test.ts fails when README is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigTable, renderToolReference, replaceSection } from './docs-reference.js';

const path = new URL('../README.md', import.meta.url);
let readme = readFileSync(path, 'utf8');
readme = replaceSection(readme, 'tools', renderToolReference());
readme = replaceSection(readme, 'config', renderConfigTable());
writeFileSync(path, readme);
console.log('README.md: tool reference and configuration table regenerated');
