// Run a WASI preview1 command module under Node (V8):
//   node --no-warnings bench/node-wasi.mjs FILE.wasm [ARGS...]
// The guest's argv is FILE's base name followed by ARGS; its environment is
// empty. The exit status is the guest's.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { WASI } from 'node:wasi';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node node-wasi.mjs FILE.wasm [ARGS...]');
  process.exit(1);
}
const wasi = new WASI({
  version: 'preview1',
  args: [basename(file), ...args],
  env: {},
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, {
  wasi_snapshot_preview1: wasi.wasiImport,
});
process.exitCode = wasi.start(instance);
