import { readFileSync } from 'node:fs';
import t from 'tap';
import { BentoError } from '../../src/errors.js';
import { imagePort, renderDockerfile, type DockerfileBento } from '../../src/containerize/dockerfile.js';

// The real template, as copied into every bento.
const TEMPLATE = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');

const bento = (over: Partial<DockerfileBento> = {}): DockerfileBento => ({
  name: 'activities_model',
  version: '0123456789abcdef',
  description: 'Predicts the Quality of fitness activities.\nSecond line.',
  labels: {},
  envs: [],
  docker: { base_image: 'node:20-bookworm-slim', env: {}, system_packages: [] },
  ...over,
});

/** The instructions of a Dockerfile: continuation lines joined, comments and blank lines dropped. */
function instructions(text: string): string[] {
  return text
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((l) => l.trim() && !l.trimStart().startsWith('#'));
}
const find = (text: string, keyword: string) => instructions(text).filter((l) => l.startsWith(keyword + ' '));

t.test('base image: bento default, docker.base_image, then --base-image', async (t) => {
  t.same(find(renderDockerfile(TEMPLATE, bento({ docker: {} })), 'ARG'), ['ARG BASE_IMAGE=node:20-bookworm-slim']);
  const own = renderDockerfile(TEMPLATE, bento({ docker: { base_image: 'registry.example.com:5000/node:20.11-bookworm' } }));
  t.same(find(own, 'ARG'), ['ARG BASE_IMAGE=registry.example.com:5000/node:20.11-bookworm']);
  const flag = renderDockerfile(TEMPLATE, bento({ docker: { base_image: 'x:1' } }), { baseImage: 'node:20-alpine' });
  t.same(find(flag, 'ARG'), ['ARG BASE_IMAGE=node:20-alpine']);
  t.same(find(flag, 'FROM'), ['FROM ${BASE_IMAGE}'], 'FROM takes the argument, so --build-arg BASE_IMAGE works too');
  t.throws(() => renderDockerfile(TEMPLATE, bento(), { baseImage: 'node 20; rm -rf /' }), { code: 'BAD_ARGUMENT' });
  t.throws(() => renderDockerfile(TEMPLATE, bento({ docker: { base_image: 'bad image' } })), { code: 'BAD_CONFIG', message: /docker\.base_image/ });
});

t.test('env: envs then docker.env (which wins), quoted so values stay literal', async (t) => {
  const text = renderDockerfile(
    TEMPLATE,
    bento({
      envs: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'BENTOML_PORT', value: '9999' }],
      docker: { env: { BENTOML_PORT: '3005', GREETING: 'say "hi" to $HOME \\o/' } },
    }),
  );
  const env = find(text, 'ENV').filter((l) => !l.startsWith('ENV NODE_ENV'));
  t.same(env, ['ENV LOG_LEVEL="info" BENTOML_PORT="3005" GREETING="say \\"hi\\" to \\$HOME \\\\o/"']);
  t.ok(find(text, 'ENV').includes('ENV NODE_ENV=production'));
  // YAML may give numbers: they become strings.
  const numeric = renderDockerfile(TEMPLATE, bento({ docker: { env: { BENTOML_PORT: 3005 } } }));
  t.match(numeric, /ENV BENTOML_PORT="3005"/);
  // Without any env there is no empty ENV instruction.
  t.same(find(renderDockerfile(TEMPLATE, bento()), 'ENV'), ['ENV NODE_ENV=production']);
  t.throws(() => renderDockerfile(TEMPLATE, bento({ docker: { env: { 'BAD-NAME': 'x' } } })), { code: 'BAD_CONFIG', message: /BAD-NAME/ });
  t.throws(() => renderDockerfile(TEMPLATE, bento({ docker: { env: { A: 'two\nlines' } } })), { code: 'BAD_CONFIG', message: /docker\.env\.A/ });
});

t.test('port: EXPOSE follows BENTOML_PORT, else PORT, else 3000', async (t) => {
  t.same(find(renderDockerfile(TEMPLATE, bento()), 'EXPOSE'), ['EXPOSE 3000']);
  t.same(find(renderDockerfile(TEMPLATE, bento({ docker: { env: { PORT: '8080' } } })), 'EXPOSE'), ['EXPOSE 8080']);
  t.same(find(renderDockerfile(TEMPLATE, bento({ docker: { env: { PORT: '8080', BENTOML_PORT: '3005' } } })), 'EXPOSE'), ['EXPOSE 3005']);
  t.equal(imagePort(bento({ envs: [{ name: 'PORT', value: '7000' }] })), 7000);
  t.throws(() => imagePort(bento({ docker: { env: { BENTOML_PORT: 'http' } } })), { code: 'BAD_CONFIG', message: /BENTOML_PORT/ });
});

t.test('system packages: one apt (or apk) RUN when listed, none otherwise', async (t) => {
  t.notMatch(renderDockerfile(TEMPLATE, bento()), /apt-get/);
  const text = renderDockerfile(TEMPLATE, bento({ docker: { system_packages: ['libgomp1', 'ca-certificates=20230311'] } }));
  const run = find(text, 'RUN').find((l) => l.includes('apt-get'));
  t.ok(run, 'a RUN installs the packages');
  t.match(run, /apt-get install -y --no-install-recommends libgomp1 ca-certificates=20230311/);
  t.match(run, /rm -rf \/var\/lib\/apt\/lists/);
  t.match(run, /apk add --no-cache libgomp1/);
  t.ok(text.indexOf('apt-get') < text.indexOf('USER '), 'installed as root, before switching user');
  t.throws(() => renderDockerfile(TEMPLATE, bento({ docker: { system_packages: ['curl; rm -rf /'] } })), {
    code: 'BAD_CONFIG',
    message: /system_packages\[0\]/,
  });
});

t.test('labels: OCI title, version, description, then the bento labels', async (t) => {
  const text = renderDockerfile(TEMPLATE, bento({ labels: { owner: 'ml-team', 'org.opencontainers.image.title': 'custom' } }));
  const labels = find(text, 'LABEL');
  t.equal(labels.length, 1);
  t.equal(
    labels[0],
    'LABEL "org.opencontainers.image.title"="custom" "org.opencontainers.image.version"="0123456789abcdef" ' +
      '"org.opencontainers.image.description"="Predicts the Quality of fitness activities." "owner"="ml-team"',
  );
  t.throws(() => renderDockerfile(TEMPLATE, bento({ labels: { 'bad key': 'x' } })), BentoError);
});

t.test('user, healthcheck, entrypoint and signals', async (t) => {
  const text = renderDockerfile(TEMPLATE, bento());
  const user = find(text, 'USER');
  t.same(user, ['USER 10001:10001'], 'a numeric non-root user');
  t.match(find(text, 'RUN').join('\n'), /useradd --uid 10001/);
  t.ok(text.lastIndexOf('USER ') < text.indexOf('ENTRYPOINT'), 'the server runs as that user');

  const health = find(text, 'HEALTHCHECK');
  t.equal(health.length, 1);
  t.match(health[0], /CMD \["node", "-e", ".*fetch\(.*\/livez/);
  t.notMatch(health[0], /curl|wget/, 'no curl needed');
  t.match(health[0], /BENTOML_PORT \|\| process\.env\.PORT \|\| 3000/, 'same port rule as the server');

  t.same(find(text, 'ENTRYPOINT'), ['ENTRYPOINT ["node", "/home/bento/bento/src/service.cjs", "--production", "--host", "0.0.0.0"]'], 'exec form: node gets SIGTERM');
  t.same(find(text, 'CMD'), ['CMD []'], 'docker run arguments are appended to the entrypoint');
  t.same(find(text, 'STOPSIGNAL'), ['STOPSIGNAL SIGTERM']);
});

t.test('the image copies only what the runtime needs, from the bento', async (t) => {
  const copies = find(renderDockerfile(TEMPLATE, bento()), 'COPY');
  t.same(copies, ['COPY env/node_modules/ env/node_modules/', 'COPY models/ models/', 'COPY bento.yaml ./', 'COPY src/service.cjs src/service.cjs']);
  t.same(find(TEMPLATE, 'ADD'), [], 'nothing fetched by URL');
  t.same(find(TEMPLATE, 'WORKDIR'), ['WORKDIR /home/bento/bento']);
});

t.test('rendering keeps the markers, so it is idempotent; a template without a section is refused', async (t) => {
  const info = bento({ docker: { env: { A: '1' }, system_packages: ['libgomp1'] }, labels: { x: 'y' } });
  const once = renderDockerfile(TEMPLATE, info);
  t.equal(renderDockerfile(once, info), once);
  t.not(once, TEMPLATE);
  const broken = TEMPLATE.replace('# <<< bento:labels', '');
  t.throws(() => renderDockerfile(broken, info, { templateName: '/b/env/docker/Dockerfile' }), {
    code: 'BAD_CONFIG',
    message: /\/b\/env\/docker\/Dockerfile has no "# >>> bento:labels"/,
  });
});

t.test('the template as it stands is the default rendering (it builds by hand from a bento folder)', async (t) => {
  const plain = renderDockerfile(TEMPLATE, bento({ name: 'x', version: 'y', description: '', docker: {} }));
  const strip = (s: string) => instructions(s).filter((l) => !l.startsWith('LABEL'));
  t.same(strip(plain), strip(TEMPLATE));
});
