// A TAK device that speaks TAK protocol version 1 (protobuf) on the streaming port, as ATAK does with a server that
// offers it: Node's tls with the device's certificate; XML until the server's offer (t-x-takp-v), then the request
// (t-x-takp-q, version 1) and, once the server accepts (t-x-takp-r), only TAK protocol messages both ways: 0xbf, a varint
// length, a TakMessage encoded and decoded by TAK's @tak-ps/node-cot (CoTParser.to_proto / from_proto).
// Args: host port cert.pem key.pem ca.pem seconds. Once switched it sends a position report and a GeoChat.
// Prints {"offered", "accepted", "error", "xml": [GeoJSON received as XML], "proto": [GeoJSON received as protobuf]}.
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { CoTParser, DirectChat } from '@tak-ps/node-cot';

const [host, port, certPem, keyPem, caPem, seconds] = process.argv.slice(2);
const uid = 'ANDROID-proto-device';
const out = { offered: false, accepted: false, closed: false, error: null, xml: [], proto: [] };
let buffer = Buffer.alloc(0), protobuf = false;

function frame(payload) {
  const length = [];
  for (let n = payload.length; ; n >>>= 7) { if (n < 0x80) { length.push(n); break; } length.push((n & 0x7f) | 0x80); }
  return Buffer.concat([Buffer.from([0xbf, ...length]), Buffer.from(payload)]);
}

async function switched() {
  const now = new Date();
  const pli = await CoTParser.from_geojson({
    id: uid, type: 'Feature',
    properties: { type: 'a-f-G-U-C', how: 'm-g', callsign: 'Proto device', time: now.toISOString(), start: now.toISOString(), stale: new Date(now.getTime() + 120000).toISOString() },
    geometry: { type: 'Point', coordinates: [-65.3, -26.9, 450] },
  });
  socket.write(frame(await CoTParser.to_proto(pli)));
  const chat = new DirectChat({ to: { uid: 'liberterra-command', callsign: 'Command' }, from: { uid, callsign: 'Proto device' }, message: 'Sent over TAK protocol 1' });
  socket.write(frame(await CoTParser.to_proto(chat)));
}

async function drain() {
  while (true) {
    if (!protobuf) {
      const end = buffer.indexOf('</event>');
      if (end < 0) return;
      const xml = buffer.subarray(0, end + '</event>'.length).toString('utf8');
      buffer = buffer.subarray(end + '</event>'.length);
      const cot = CoTParser.from_xml(xml);
      const type = cot.raw.event._attributes.type;
      if (type === 't-x-takp-v') {
        out.offered = String(cot.raw.event.detail.TakControl.TakProtocolSupport._attributes.version) === '1';
        socket.write(`<?xml version="1.0"?>\n<event version="2.0" uid="protouid" type="t-x-takp-q" time="${new Date().toISOString()}" start="${new Date().toISOString()}" stale="${new Date(Date.now() + 60000).toISOString()}" how="m-g"><point lat="0.0" lon="0.0" hae="0.0" ce="999999" le="999999"/><detail><TakControl><TakRequest version="1"/></TakControl></detail></event>`);
      } else if (type === 't-x-takp-r') {
        out.accepted = String(cot.raw.event.detail.TakControl.TakResponse._attributes.status) === 'true';
        if (out.accepted) { protobuf = true; await switched(); }
      } else out.xml.push(await CoTParser.to_geojson(cot));
    } else {
      if (buffer.length < 2) return;
      if (buffer[0] !== 0xbf) { out.error = 'not a TAK protocol message'; return; }
      let length = 0, at = 1, shift = 0;
      for (; at < buffer.length; at++, shift += 7) { length |= (buffer[at] & 0x7f) << shift; if (!(buffer[at] & 0x80)) break; }
      if (at >= buffer.length || buffer.length < at + 1 + length) return;
      const payload = buffer.subarray(at + 1, at + 1 + length);
      buffer = buffer.subarray(at + 1 + length);
      out.proto.push(await CoTParser.to_geojson(await CoTParser.from_proto(payload)));
    }
  }
}

const socket = tls.connect({ host, port: Number(port), cert: readFileSync(certPem), key: readFileSync(keyPem), ca: readFileSync(caPem) });
let draining = Promise.resolve();
socket.on('data', chunk => { buffer = Buffer.concat([buffer, chunk]); draining = draining.then(drain).catch(e => { out.error = e.message; }); });
socket.on('error', e => { out.error = e.code || e.message; });
socket.on('close', () => { out.closed = true; });
setTimeout(async () => {
  await draining;
  process.stdout.write(JSON.stringify(out));
  socket.destroy();
  process.exit(0);
}, Number(seconds) * 1000);
