/**
 * tsx's loaders (ESM and CommonJS), registered once, before a project's TypeScript is imported. Where this
 * module itself runs as TypeScript a loader is in place already (the CLI in a checkout registers tsx as it
 * starts, for its own sources; tests and benches run under it). An installed CLI, compiled JavaScript,
 * registers them only when a command loads a project's service, so that `bento serve <bento>` and the
 * commands that never read a project do not pay for them (tsx's ESM loader starts a thread of its own:
 * ~200 ms of a CLI start on these machines).
 */
let registered: Promise<void> | undefined;

/** True when this process imports TypeScript through a loader hook (a checkout, or once registered). */
export function typeScriptLoaded(): boolean {
  return runsAsTypeScript() || registered !== undefined;
}

function runsAsTypeScript(): boolean {
  return new URL(import.meta.url).pathname.endsWith('.ts');
}

/** Resolves once a project's `.ts`/`.mts`/`.cts` modules can be imported (at once when they already can). */
export function registerTypeScript(): Promise<void> {
  if (runsAsTypeScript()) return Promise.resolve();
  return (registered ??= (async () => {
    const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
    esm.register();
    // A project without "type": "module" (npm init's default) has its service.ts loaded as CommonJS: compile that too.
    cjs.register();
  })());
}
