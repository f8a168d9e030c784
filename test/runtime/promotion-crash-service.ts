/**
 * The kit's service, except that inside a built bento's entry it throws while loading: a bento of it
 * starts workers that die before they are ready (not a test file: imported by one).
 */
import { svc as good } from '../kit/service.js';

if (process.argv[1]?.endsWith('service.cjs')) throw new Error('this service cannot start (on purpose)');
export const svc = good;
