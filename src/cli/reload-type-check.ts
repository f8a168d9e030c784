/**
 * Type errors while `bento serve . --reload` runs: after each (re)start the service's TypeScript is checked
 * as `bento build --type-check` checks it, and its errors shown beside the server's log, as `tsc --watch`
 * would show them. The server runs anyway (tsx strips types without checking them); a check that finds
 * none after one that found some says so, a clean start says nothing.
 */
import { isTypeScript, typeCheck, typeErrors } from '../builder/type-check.js';

/**
 * The hook to run after each start: checks the service module of the project in `projectDir` once the loop
 * is free (the server, a child process, starts meanwhile) and logs what it finds. `serviceFile` is asked at
 * each start (the bentofile may have changed); undefined when it cannot say (a broken bentofile, which the
 * server itself reports).
 */
export function typeCheckOnStart(projectDir: string, serviceFile: () => Promise<string | undefined>, log: (msg: string) => void): () => void {
  let hadErrors = false;
  let toldSkipped = false;
  let pending: NodeJS.Timeout | undefined;
  return () => {
    clearTimeout(pending);
    pending = setTimeout(async () => {
      const file = await serviceFile();
      // A JavaScript service has no types to check: nothing to say.
      if (file === undefined || !isTypeScript(file)) return;
      const result = typeCheck(projectDir, file);
      if (!result.checked) {
        if (!toldSkipped) log(`not type-checked: ${result.why}`);
        toldSkipped = true;
        return;
      }
      if (result.problems.length > 0) log(typeErrors(projectDir, result.problems, 'served anyway: types are stripped, not checked').message);
      else if (hadErrors) log('no type errors');
      hadErrors = result.problems.length > 0;
    }, 100);
  };
}
