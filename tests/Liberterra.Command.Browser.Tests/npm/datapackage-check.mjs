// Opens a TAK data package with TAK's own library (@tak-ps/node-cot's DataPackage, strict: the manifest must be there
// and valid) and prints what it found: {"version", "settings", "contents": [zip entries]}.
import { DataPackage } from '@tak-ps/node-cot';

const pkg = await DataPackage.parse(process.argv[2], { strict: true, cleanup: false });
process.stdout.write(JSON.stringify({
  version: pkg.version,
  settings: pkg.settings,
  contents: pkg.contents.map(c => c._attributes.zipEntry),
  files: [...await pkg.files()],
}));
await pkg.destroy();
