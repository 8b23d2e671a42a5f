#!/usr/bin/env node
// Wraps a core wasm module into a component with jco's JS API:
// embeds the WIT world as the component-type custom section, then encodes
// the component (wit-component).
//
//   node tools/componentize.mjs CORE.wasm WIT_DIR WORLD OUT.wasm
//
// WIT_DIR holds the .wit files of one package (read in name order and joined);
// WORLD names the world in it.
import { readFile, readdir, writeFile, mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { componentEmbed, componentNew } from "@bytecodealliance/jco";

function usage(msg) {
  if (msg) console.error(`componentize: ${msg}`);
  console.error("usage: node tools/componentize.mjs CORE.wasm WIT_DIR WORLD OUT.wasm");
  process.exit(2);
}

async function readWitSource(witPath) {
  const st = await stat(witPath);
  if (st.isFile()) return readFile(witPath, "utf8");
  const names = (await readdir(witPath)).filter((n) => n.endsWith(".wit")).sort();
  if (names.length === 0) throw new Error(`no .wit files in ${witPath}`);
  const parts = [];
  for (const n of names) parts.push(await readFile(path.join(witPath, n), "utf8"));
  if (parts.length > 1) {
    // A multi-file package is merged into one source: keep one package line.
    const pkg = /^\s*package\s+[^;]+;\s*$/m;
    for (let i = 1; i < parts.length; i++) parts[i] = parts[i].replace(pkg, "");
  }
  return parts.join("\n");
}

function errText(e) {
  if (e && typeof e === "object" && "payload" in e) return String(e.payload);
  return String(e?.message ?? e);
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length !== 4) usage(args.length ? "expected 4 arguments" : "");
  const [corePath, witDir, world, outPath] = args;
  const core = await readFile(corePath);
  const witSource = await readWitSource(witDir);
  let embedded, component;
  try {
    embedded = await componentEmbed({ binary: core, witSource, world, stringEncoding: "utf8" });
  } catch (e) {
    throw new Error(`embedding world ${world}: ${errText(e)}`);
  }
  try {
    component = await componentNew(embedded, []);
  } catch (e) {
    throw new Error(`encoding the component: ${errText(e)}`);
  }
  await mkdir(path.dirname(path.resolve(outPath)), { recursive: true });
  await writeFile(outPath, component);
}

main().catch((e) => {
  console.error(`componentize: ${e.message ?? e}`);
  process.exit(1);
});
