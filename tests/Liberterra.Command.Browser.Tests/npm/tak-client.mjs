// A TAK device on the streaming port, as CloudTAK connects to a TAK server: TAK's own TLS client @tak-ps/node-tak
// (certificate and key from the device's data package, the server checked against the package's CA), CoT built and
// parsed by @tak-ps/node-cot. node-tak pings the server at once and every 5 s, and counts the link open when the
// server answers (t-x-c-t-r).
// Args: host port cert.pem key.pem ca.pem seconds [send...], each send one second apart:
//   pli             a position report (a-f-G-U-C) under the device's uid
//   911             an emergency alert (b-a-o-tbl)
//   chat:<text>     a GeoChat (node-cot's DirectChat) to command
//   chatlong        a GeoChat of 1,500 characters (over the limit of a message)
//   spoof:<uid>     a position report under that uid
//   entity          an event with a DOCTYPE (entity expansion), written raw to the socket
//   endless         100 KB that never close an event, raw
//   slow            the start of an event, then one byte every 500 ms (a slow writer), raw
// Prints {"connected": bool, "open": bool, "error": string|null, "received": [GeoJSON of each CoT event received]}.
import { readFileSync } from 'node:fs';
import TAK from '@tak-ps/node-tak';
import { CoTParser, DirectChat } from '@tak-ps/node-cot';

const [host, port, certPem, keyPem, caPem, seconds, ...sends] = process.argv.slice(2);
const uid = 'ANDROID-test-device';
const received = [];
let connected = false, error = null, closed = false;

function pli(id) {
  const now = new Date();
  return CoTParser.from_geojson({
    id, type: 'Feature',
    properties: { type: 'a-f-G-U-C', how: 'm-g', callsign: 'Test device', time: now.toISOString(), start: now.toISOString(), stale: new Date(now.getTime() + 120000).toISOString() },
    geometry: { type: 'Point', coordinates: [-65.2226, -26.8241, 450] },
  });
}

async function alert() {
  const cot = await pli(`${uid}-9-1-1`);
  cot.raw.event._attributes.type = 'b-a-o-tbl';
  cot.raw.event._attributes.how = 'h-e';
  return cot;
}

const chat = text => new DirectChat({ to: { uid: 'liberterra-command', callsign: 'Command' }, from: { uid, callsign: 'Test device' }, message: text });

const raw = {
  entity: '<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><event version="2.0" uid="x" type="a-f-G" time="2026-12-07T01:00:00Z" start="2026-12-07T01:00:00Z" stale="2026-12-07T01:10:00Z" how="m-g"><point lat="1" lon="1"/><detail><remarks>&b;</remarks></detail></event>',
  endless: '<event version="2.0" uid="x" ' + 'a'.repeat(100000),
};

const tak = await TAK.connect(new URL(`ssl://${host}:${port}`), {
  cert: readFileSync(certPem, 'utf8'), key: readFileSync(keyPem, 'utf8'), ca: readFileSync(caPem, 'utf8'), rejectUnauthorized: true,
});
tak.on('secureConnect', async () => {
  connected = true;
  for (const send of sends) {
    if (closed) break;
    if (send === 'pli') await tak.write([await pli(uid)]);
    else if (send === '911') await tak.write([await alert()]);
    else if (send.startsWith('chat:')) await tak.write([chat(send.slice('chat:'.length))]);
    else if (send === 'chatlong') await tak.write([chat('x'.repeat(1500))]);
    else if (send.startsWith('spoof:')) await tak.write([await pli(send.slice('spoof:'.length))]);
    else if (send === 'slow') {
      // node-tak's own pings would land inside the unfinished event: stopped, after the first one has gone.
      clearInterval(tak.pingInterval);
      await new Promise(r => setTimeout(r, 500));
      tak.client.write('<event version="2.0" uid="x" type="a-f-G" ');
      for (let i = 0; i < 12 && !closed; i++) { await new Promise(r => setTimeout(r, 500)); tak.client.write('a'); }
    } else tak.client.write(raw[send]);
    await new Promise(r => setTimeout(r, 1000));
  }
});
tak.on('cot', async cot => received.push(await CoTParser.to_geojson(cot)));
tak.on('error', e => { error = e.code || e.message; });
tak.on('end', () => { closed = true; });
tak.client.on('close', () => { closed = true; if (!connected && !error) error = 'closed'; });
setTimeout(() => {
  process.stdout.write(JSON.stringify({ connected: connected && !closed, open: tak.open, error, received }));
  tak.destroy();
  process.exit(0);
}, Number(seconds) * 1000);
