import t from 'tap';
import { formatTag, newVersion, parseTag } from '../../src/store/tag.js';
import { rejectsWith } from '../kit/helpers.js';

t.test('parseTag reads name, name:latest and name:version', async (t) => {
  t.same(parseTag('activities_regressor'), { name: 'activities_regressor' });
  t.same(parseTag('activities_regressor:latest'), { name: 'activities_regressor' });
  t.same(parseTag('a.b-c_d:1m8n33sw'), { name: 'a.b-c_d', version: '1m8n33sw' });
  t.equal(formatTag('x', 'v1'), 'x:v1');
});

t.test('parseTag errors are BAD_TAG and name the tag', async (t) => {
  for (const bad of ['', 'Upper', 'x:', 'x:Y', 'a:b:c', '-lead', 'trail-', 'sp ace', ':v1', 'x:-v']) {
    await rejectsWith(t, () => parseTag(bad), 'BAD_TAG', `"${bad}"`);
  }
});

t.test('newVersion: 16 lowercase characters that sort in creation order', async (t) => {
  const versions = Array.from({ length: 200 }, () => newVersion());
  for (const v of versions) t.match(v, /^[0-9a-z]{16}$/);
  t.same([...versions].sort(), versions, 'lexicographic order is creation order');
  t.equal(new Set(versions).size, versions.length, 'all distinct');
  t.not(parseTag(`m:${versions[0]}`).version, undefined);
});
