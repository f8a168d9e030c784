import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { addDataset, addDatasetFile, datasetFile, datasetsRoot, exportDataset, getDataset, listDatasets } from '../../src/datasets/dataset-store.js';
import { addRows, tableToCsv } from '../../src/datasets/rows.js';
import { catalogSchema, projectSchema } from '../../src/datasets/schema.js';
import { loadCatalog } from '../../src/pipeline/catalog.js';
import { parseCsv } from '../../src/pipeline/csv.js';
import { rejectsWith } from '../kit/helpers.js';
import { tempDir, tempHome } from '../kit/project.js';
import { CATALOG, PROJECT_DATA } from '../kit/python.js';

const schema = catalogSchema(await loadCatalog(CATALOG));
const text = readFileSync(PROJECT_DATA, 'utf8');
const lines = text.trimEnd().split('\n');

/** Every file under the datasets root (temporary folders included): what a refused add must leave unchanged. */
async function storeFiles(): Promise<string[]> {
  if (!existsSync(datasetsRoot())) return [];
  return (await fs.readdir(datasetsRoot(), { recursive: true })).map(String).sort();
}

t.test('a version is content-addressed, validated against the catalog and profiled', async (t) => {
  await tempHome(t);
  const a = await addDatasetFile(PROJECT_DATA, { schema });
  const hex = createHash('sha256').update(readFileSync(PROJECT_DATA)).digest('hex');
  t.equal(a.tag, `data:${hex.slice(0, 16)}`, 'named after the file, versioned by the sha256 of its bytes');
  t.ok(a.created);
  t.equal(a.info.digest, `sha256:${hex}`);
  t.equal(a.info.rows, 1000);
  t.equal(a.info.schema.source, 'catalog');
  t.same(a.info.missing_columns, []);
  t.equal(readFileSync(datasetFile(a), 'utf8'), text, 'the bytes are stored as they were');
  const dist = a.info.profile['Distance (km)']!;
  const values = lines.slice(1).map((l) => Number(l.split(',')[3]));
  t.equal(dist.type, 'number');
  t.equal(dist.count + dist.missing, 1000);
  t.equal(dist.stats!.max, Math.max(...values.filter((v) => !Number.isNaN(v))));
  t.equal(a.info.profile.Type!.type, 'string');
  t.ok(a.info.profile.Type!.top!.length > 0 && a.info.profile.Type!.distinct! >= a.info.profile.Type!.top!.length);

  const again = await addDatasetFile(PROJECT_DATA, { schema });
  t.equal(again.created, false, 'the same bytes: the version already stored');
  t.equal(again.info.creation_time, a.info.creation_time, 'and it is not rewritten');

  // more rows: a new version, and the first one stays as it was
  const more = await addRows({ name: 'data', rows: { csv: [lines[0], lines[1], lines[2]].join('\n') }, schema, source: 'test' });
  t.not(more.info.version, a.info.version);
  t.equal(more.info.rows, 1002);
  t.equal(more.info.parent, a.tag);
  t.equal(readFileSync(datasetFile(await getDataset(a.tag)), 'utf8'), text, 'the parent version is unchanged');
  t.equal((await listDatasets('data')).length, 2);
  t.equal((await getDataset('data')).info.version, more.info.version, 'the name resolves to the newest');

  // replace: these rows alone
  const alone = await addRows({ name: 'data', rows: { records: [{ 'Distance (km)': 3, 'Average Speed (km/h)': 9, 'Calories Burned': 300, 'Climb (m)': 20, 'Average Heart rate (tpm)': 120, Quality: 250, Type: 'Running' }] }, schema, mode: 'replace', source: 'test' });
  t.equal(alone.info.rows, 1);
  t.equal(alone.info.parent, undefined);
  t.same(alone.info.header, Object.keys(schema.columns), 'records take the catalog column order');

  const out = await exportDataset(a.tag, path.join(await tempDir(t), 'x.csv'));
  t.equal(readFileSync(out, 'utf8'), text);
  await fs.appendFile(datasetFile(a), '1,2,3\n');
  await rejectsWith(t, exportDataset(a.tag, out), 'BAD_DATA', /changed after it was stored/);
});

t.test('bad rows are listed with their numbers and reasons, and nothing is written', async (t) => {
  await tempHome(t);
  await addDatasetFile(PROJECT_DATA, { schema });
  const before = await storeFiles();
  const bad = [lines[0], lines[1], lines[2].replace(/,(\d+),(\d+),(\d+),/, ',abc,$2,$3,'), lines[3], lines[4].replace(/,[^,]*$/, ',high')].join('\n');
  const err = await rejectsWith(t, addRows({ name: 'data', rows: { csv: bad }, schema, source: 'test' }), 'BAD_DATA', /2 bad rows, nothing stored/);
  t.same(err?.details.map((d) => d.path), ['row 2', 'row 4']);
  t.match(err?.details[1]?.message, /"Quality" holds "high": not a number/);
  t.same(await storeFiles(), before, 'no version and no temporary folder');

  const recErr = await rejectsWith(
    t,
    addRows({ name: 'data', rows: { records: [{ 'Distance (km)': 1 }, 'x', { 'Distance (km)': 2, 'Average Speed (km/h)': 3, 'Calories Burned': 4, 'Climb (m)': { deep: 1 }, 'Average Heart rate (tpm)': 5, Quality: 6 }] }, schema, source: 'test' }),
    'BAD_DATA',
    /3 bad row/,
  );
  t.ok(recErr?.details.some((d) => d.path === 'row 1' && /"Quality" is missing/.test(d.message)));
  t.ok(recErr?.details.some((d) => d.path === 'row 2' && /not a JSON object/.test(d.message)));
  t.ok(recErr?.details.some((d) => d.path === 'row 3' && /"Climb \(m\)" holds an object/.test(d.message)));
  await rejectsWith(t, addRows({ name: 'data', rows: { csv: 'Distance (km),Quality\n1,2\n' }, schema, source: 'test' }), 'BAD_DATA', /missing required columns "Average Speed/);
  await rejectsWith(t, addRows({ name: 'data', rows: { csv: `${lines[0]},Extra\n${lines[1]},1\n` }, schema, source: 'test' }), 'BAD_DATA', /column "Extra" not in data:/);
  await rejectsWith(t, addDataset({ bytes: Buffer.from('a\n1\n'), name: 'Bad Name', source: 'x' }), 'BAD_TAG');
  t.same(await storeFiles(), before);
});

t.test('without a catalog the schema is inferred from the cells', async (t) => {
  await tempHome(t);
  const dir = await tempDir(t);
  t.equal(await projectSchema(dir), undefined);
  const csv = tableToCsv(['rooms', 'street', 'price'], [['3', 'Elm, North', '100'], ['', 'Oak "x"', '120']]);
  t.same(parseCsv(csv, 'x').rows[0], ['3', 'Elm, North', '100'], 'fields with commas and quotes survive the round trip');
  const added = await addDataset({ bytes: Buffer.from(csv), name: 'houses', source: 'houses.csv' });
  t.same(added.info.schema, { source: 'inferred', columns: { rooms: 'number', street: 'string', price: 'number' }, required: [] });
  t.same([added.info.profile.rooms!.count, added.info.profile.rooms!.missing], [1, 1]);
  await rejectsWith(t, getDataset('houses:ffff'), 'TAG_NOT_FOUND');
});
