// A TAK device over TLS with its enrolled certificate (Node's tls, CoT built and parsed by @tak-ps/node-cot), as
// ATAK connects to a TAK server's streaming port. Args: host port client.p12 password ca.pem seconds [send...]
// where each send is "pli" (a position report), "911" (an emergency alert), "spoof:<uid>" (a position report under
// that uid), "entity" (an event with a DOCTYPE) or "endless" (100 KB that never closes an event), one second apart.
// Prints {"connected": bool, "error": string|null, "received": [GeoJSON of each CoT event received]}.
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { CoTParser } from '@tak-ps/node-cot';

const [host, port, p12, passphrase, caPem, seconds, ...sends] = process.argv.slice(2);
const received = [];
let connected = false, error = null, buffer = '';

async function cot(kind) {
  if (kind === 'entity') return '<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><event version="2.0" uid="x" type="a-f-G" time="2026-12-07T01:00:00Z" start="2026-12-07T01:00:00Z" stale="2026-12-07T01:10:00Z" how="m-g"><point lat="1" lon="1"/><detail><remarks>&b;</remarks></detail></event>';
  if (kind === 'endless') return '<event version="2.0" uid="x" ' + 'a'.repeat(100000);
  const now = new Date();
  const feature = {
    id: kind.startsWith('spoof:') ? kind.slice('spoof:'.length) : 'ANDROID-test-device' + (kind === '911' ? '-9-1-1' : ''),
    type: 'Feature',
    properties: {
      type: kind === '911' ? 'b-a-o-tbl' : 'a-f-G-U-C', how: kind === '911' ? 'h-e' : 'm-g', callsign: 'Test device',
      time: now.toISOString(), start: now.toISOString(), stale: new Date(now.getTime() + 120000).toISOString(),
    },
    geometry: { type: 'Point', coordinates: [-65.2226, -26.8241, 450] },
  };
  return CoTParser.to_xml(await CoTParser.from_geojson(feature));
}

const socket = tls.connect({ host, port: Number(port), pfx: readFileSync(p12), passphrase, ca: readFileSync(caPem), servername: 'localhost' }, async () => {
  connected = true;
  for (const kind of sends) {
    socket.write(await cot(kind));
    await new Promise(r => setTimeout(r, 1000));
  }
});
socket.setEncoding('utf8');
socket.on('data', async chunk => {
  buffer += chunk;
  let end;
  while ((end = buffer.indexOf('</event>')) >= 0) {
    const xml = buffer.slice(0, end + '</event>'.length);
    buffer = buffer.slice(end + '</event>'.length);
    received.push(await CoTParser.to_geojson(CoTParser.from_xml(xml)));
  }
});
socket.on('error', e => { error = e.code || e.message; });
socket.on('close', () => { if (!connected && !error) error = 'closed'; });
setTimeout(() => {
  process.stdout.write(JSON.stringify({ connected: connected && !socket.destroyed, error, received }));
  socket.destroy();
  process.exit(0);
}, Number(seconds) * 1000);
