/** Where the framework's own Dockerfile template lives: the builder copies it into a bento, containerize falls back to it. */
import { fileURLToPath } from 'node:url';

/** The framework's own Dockerfile template, used when a project (or an older bento) has none. */
export const FRAMEWORK_DOCKERFILE = fileURLToPath(new URL('../../Dockerfile', import.meta.url));
