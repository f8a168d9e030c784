#!/usr/bin/env node
// The `bento` CLI. In a checkout it runs the TypeScript sources (src/) through tsx's loaders, so `npx bento`
// works right after `npm install` with no build step; an installed package runs its compiled dist/, and
// registers tsx only when a command loads a project's service.ts (src/builder/typescript-loader.ts).
import { existsSync } from 'node:fs';

const sources = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(sources)) {
  const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
  esm.register();
  // A project without "type": "module" (npm init's default) has its service.ts loaded as CommonJS: compile that too.
  cjs.register();
}
const { main } = await import(existsSync(sources) ? sources.href : new URL('../dist/cli/main.js', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
