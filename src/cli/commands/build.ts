/**
 * `bento build`: flags → buildBento() → the new tag on stdout (progress on stderr, on a terminal only).
 */
import { buildBento } from '../../builder/build.js';
import { projectRoot } from '../../store/home.js';
import { parsePairs, type Command } from '../command.js';

export const build: Command = {
  summary: 'package the service, its models and its runtime into a versioned bento',
  usage: 'build [-f FILE] [--version V] [--label k=v]… [--project DIR] [--type-check]',
  help: [
    'Reads bentofile.yaml (or -f FILE), bundles the service, copies its models and onnxruntime-node, and',
    'stores the bento under $BENTO_HOME/bentos/<name>/<version>/. The version is derived from the content:',
    'building again from unchanged inputs prints the same tag and stores nothing new.',
  ].join('\n'),
  options: {
    file: { type: 'string', short: 'f', arg: 'FILE', description: 'the bentofile (default: <project>/bentofile.yaml)' },
    version: { type: 'string', arg: 'V', description: 'use this version instead of the content-derived one' },
    label: { type: 'string', multiple: true, arg: 'k=v', description: "add a label (overrides the bentofile's)" },
    project: { type: 'string', arg: 'DIR', description: 'the project folder (default: the one the current folder is in)' },
    'type-check': { type: 'boolean', description: "type-check the service's TypeScript first, as tsc --noEmit (with the project's tsconfig.json)" },
  },
  async run({ values }) {
    const tty = process.stderr.isTTY === true;
    const result = await buildBento({
      // From a subfolder, the project it is in (the folder holding bentofile.yaml), as `bento list` finds its stores.
      ...(typeof values.project === 'string' ? { projectDir: values.project } : typeof values.file === 'string' ? {} : { projectDir: projectRoot() }),
      ...(typeof values.file === 'string' ? { bentofile: values.file } : {}),
      ...(typeof values.version === 'string' ? { version: values.version } : {}),
      labels: parsePairs('--label', values.label as string[] | undefined),
      ...(values['type-check'] === true ? { typeCheck: true } : {}),
      ...(tty ? { onProgress: (m: string) => void process.stderr.write(`${m}\n`) } : {}),
    });
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(`${result.tag}\n`);
  },
};
