/**
 * `bento containerize TAG`: builds the bento's OCI image and prints its tag(s), one per line.
 */
import { BentoError } from '../../errors.js';
import { BACKEND_NAMES, isBackendName } from '../../containerize/backends.js';
import { containerize as containerizeBento } from '../../containerize/containerize.js';
import { parsePairs, type Command } from '../command.js';

export const containerize: Command = {
  summary: 'build an OCI image of a bento (docker, podman or buildah)',
  usage: 'containerize TAG [-t IMAGE[:TAG]]… [--backend docker|podman|buildah] [--build-arg K=V]… [--label K=V]… [--base-image IMG]',
  positionals: { min: 1, max: 1 },
  options: {
    tag: { type: 'string', short: 't', multiple: true, arg: 'IMAGE[:TAG]', description: 'image tag (default <bento name>:<version>)' },
    backend: { type: 'string', arg: 'NAME', description: `${BACKEND_NAMES.join(', ')} (default: the first available, in that order)` },
    'build-arg': { type: 'string', multiple: true, arg: 'K=V', description: 'build argument passed to the backend' },
    label: { type: 'string', multiple: true, arg: 'K=V', description: 'image label (overrides the bento\'s labels)' },
    'base-image': { type: 'string', arg: 'IMG', description: 'base image (default docker.base_image, else node:20-bookworm-slim)' },
  },
  help: [
    'TAG is a bento tag (name, name:version, a version prefix) or a bento folder.',
    'The image serves the bento in production mode, as a non-root user, on the port the bento\'s docker.env',
    'sets (BENTOML_PORT, else PORT, else 3000); `-e BENTOML_PORT=8080` changes it at run time:',
    '  docker run -p 3000:3000 NAME:VERSION',
    'Arguments after the image name are passed to the server, e.g. `--workers 2`.',
  ].join('\n'),
  async run({ values, positionals }) {
    const backend = values.backend as string | undefined;
    if (backend !== undefined && !isBackendName(backend)) {
      throw new BentoError('BAD_ARGUMENT', `--backend "${backend}": expected one of ${BACKEND_NAMES.join(', ')}`);
    }
    const baseImage = values['base-image'] as string | undefined;
    // The backend's own output is progress: shown on a terminal, kept quiet in pipes (its tail is in any error).
    const onOutput = process.stderr.isTTY ? (chunk: Buffer) => process.stderr.write(chunk) : undefined;
    const result = await containerizeBento({
      bento: positionals[0]!,
      tags: (values.tag as string[] | undefined) ?? [],
      ...(backend ? { backend } : {}),
      buildArgs: parsePairs('--build-arg', values['build-arg'] as string[] | undefined),
      labels: parsePairs('--label', values.label as string[] | undefined),
      ...(baseImage !== undefined ? { baseImage } : {}),
      ...(onOutput ? { onOutput } : {}),
    });
    if (process.stderr.isTTY) process.stderr.write(`Built ${result.bento.name}:${result.bento.version} with ${result.backend}\n`);
    process.stdout.write(result.tags.join('\n') + '\n');
  },
};
