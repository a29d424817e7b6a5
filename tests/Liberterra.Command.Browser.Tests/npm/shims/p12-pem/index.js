// See package.json: p12-pem is refused by the registry; node-tak's library never calls it, its CLI would.
export function getPemFromP12() {
  throw new Error('p12-pem is not installed here (the npm registry refuses it); convert the .p12 with openssl instead');
}
