/**
 * npm run diagram: regenerates the lifecycle diagram between the markers in README.md.
 * With --check, exits 1 when the README is out of date (used by the test suite).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { lifecycleDiagram } from '../src/machines/lifecycle-diagram.ts';
import { sessionMachine } from '../src/machines/session.machine.ts';

const START = '<!-- lifecycle-diagram:start -->';
const END = '<!-- lifecycle-diagram:end -->';
const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a < 0 || b < a) throw new Error(`README.md: markers ${START} / ${END} not found`);
const block = `${START}\n\`\`\`mermaid\n${lifecycleDiagram(sessionMachine)}\n\`\`\`\n`;
const next = readme.slice(0, a) + block + readme.slice(b);
if (process.argv.includes('--check')) {
  if (next !== readme) {
    console.error('README.md lifecycle diagram is out of date: run npm run diagram');
    process.exit(1);
  }
} else {
  writeFileSync(path, next);
}
