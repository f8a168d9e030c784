import t from 'tap';
import { loadCatalog, parseCatalog } from '../../src/pipeline/catalog.js';
import { CATALOG } from '../kit/python.js';

const BASE = `model: houses
data: data/houses.csv
columns:
  rooms: number
  area: number
  street: string
  price: number
target: price
features: [rooms, area]
`;

t.test('the activities catalog resolves to the original pipeline', async (t) => {
  const c = await loadCatalog(CATALOG);
  t.equal(c.model, 'activities_regressor');
  t.equal(c.data, 'data/01_raw/DATA.csv');
  t.equal(c.target, 'Quality');
  t.same(c.features, ['Distance (km)', 'Average Speed (km/h)', 'Calories Burned', 'Climb (m)', 'Average Heart rate (tpm)']);
  t.same(c.rules, [
    { clip: 'Distance (km)', max: 30 },
    { clip: 'Average Heart rate (tpm)', min: 60 },
    { fill_mean: 'Average Heart rate (tpm)' },
    { drop_missing: Object.keys(c.columns) }, // "all" resolved to every declared column
    { rename: 'Type', from: 'Other', to: 'Walking' },
  ]);
});

t.test('rules are optional; drop_missing: all means every declared column', async (t) => {
  t.same(parseCatalog(BASE, 'c.yml').rules, []);
  t.same(parseCatalog(`${BASE}rules:\n  - drop_missing: all\n`, 'c.yml').rules, [{ drop_missing: ['rooms', 'area', 'street', 'price'] }]);
});

t.test('mistakes are BAD_CONFIG naming file:line and the key', async (t) => {
  const bad = (text: string, message: RegExp) => t.throws(() => parseCatalog(text, 'c.yml'), { name: 'BentoError', code: 'BAD_CONFIG', message });
  bad(`${BASE}colour: blue\n`, /^c\.yml:10: "colour" is not a known key/);
  bad(BASE.replace('model: houses', 'model: Houses!'), /^c\.yml:1: "model" must be a model name/);
  bad(BASE.replace('street: string', 'street: text'), /^c\.yml:6: "columns\.street" must be one of: number, string/);
  bad(BASE.replace('target: price', 'target: street'), /^c\.yml:8: "target" "street" is a string column/);
  bad(BASE.replace('[rooms, area]', '[rooms, floor]'), /"features\.1" must be one of the columns/);
  bad(BASE.replace('[rooms, area]', '[rooms, rooms]'), /"features\.1" "rooms" is listed twice/);
  bad(BASE.replace('[rooms, area]', '[rooms, price]'), /"features\.1" "price" is the target/);
  bad(BASE.replace('target: price\n', ''), /"target" is required/);
  bad(`${BASE}rules:\n  - clip: rooms\n    maximum: 3\n`, /^c\.yml:12: "rules\.0\.maximum" is not a known key of a clip rule/);
  bad(`${BASE}rules:\n  - clip: rooms\n`, /"rules\.0\.clip" needs min, max or both/);
  bad(`${BASE}rules:\n  - clip: rooms\n    min: 5\n    max: 2\n`, /"rules\.0\.min" must not exceed max/);
  bad(`${BASE}rules:\n  - clip: rooms\n    max: lots\n`, /^c\.yml:12: "rules\.0\.max" must be a finite number/);
  bad(`${BASE}rules:\n  - clip: street\n    max: 3\n`, /"rules\.0\.clip" "street" is a string column; a clip rule needs a number column/);
  bad(`${BASE}rules:\n  - fill_mean: floor\n`, /"rules\.0\.fill_mean" names "floor", which is not one of the columns/);
  bad(`${BASE}rules:\n  - drop_missing: [rooms, floor]\n`, /"rules\.0\.drop_missing\.1" names "floor"/);
  bad(`${BASE}rules:\n  - rename: rooms\n    from: a\n    to: b\n`, /a rename rule needs a string column/);
  bad(`${BASE}rules:\n  - rename: street\n    from: a\n`, /"rules\.0\.to" must be a string/);
  bad(`${BASE}rules:\n  - clip: rooms\n    fill_mean: rooms\n`, /"rules\.0" must have exactly one of the keys/);
  bad(`${BASE}rules: {}\n`, /"rules" must be a list of rules/);
  bad('model: [', /^c\.yml:\d+: invalid YAML/);
  await t.rejects(loadCatalog('/nonexistent/catalog.yml'), { code: 'FILE_NOT_FOUND', message: /catalog file not found/ });
});
