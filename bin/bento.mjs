#!/usr/bin/env node
// The `bento` CLI. In a checkout it runs the TypeScript sources (src/) through tsx's loader, so `npx bento`
// works right after `npm install` with no build step; an installed package runs its compiled dist/. Either
// way tsx is registered: a project's own service.ts is loaded by `bento build` and `bento serve .`.
import { existsSync } from 'node:fs';
import { register as registerCjs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

register();
// A project without "type": "module" (npm init's default) has its service.ts loaded as CommonJS: compile that too.
registerCjs();
const sources = new URL('../src/cli/main.ts', import.meta.url);
const { main } = await import(existsSync(sources) ? sources.href : new URL('../dist/cli/main.js', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
