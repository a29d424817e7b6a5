// Reads and writes CoT with TAK's own library (@tak-ps/node-cot): stdin is {"ours": [xml, ...]}; stdout is
// {"parsed": [GeoJSON of each of ours], "pli": the XML of a position report node-cot built}.
import { CoTParser } from '@tak-ps/node-cot';
import { readFileSync } from 'node:fs';

const input = JSON.parse(readFileSync(0, 'utf8'));
const parsed = [];
for (const xml of input.ours) parsed.push(await CoTParser.to_geojson(CoTParser.from_xml(xml)));
const now = new Date();
const pli = await CoTParser.from_geojson({
  id: 'ANDROID-node-cot-1',
  type: 'Feature',
  properties: {
    type: 'a-f-G-U-C', how: 'm-g', callsign: 'Raid Argentina 1',
    time: now.toISOString(), start: now.toISOString(), stale: new Date(now.getTime() + 120000).toISOString(),
  },
  geometry: { type: 'Point', coordinates: [-58.3816, -34.6037, 25] },
});
process.stdout.write(JSON.stringify({ parsed, pli: CoTParser.to_xml(pli) }));
