#!/usr/bin/env node
// Reference runner: runs exports of a component on V8 through jco, for
// comparing results with weft.
//
//   node tools/jco-run.mjs [options] COMPONENT.wasm 'CALL' ['CALL' ...]
//
// CALL is a function call in WAVE syntax: `run()`, `run(some("Kevin"))`,
// `describe()`; trailing option parameters may be left out (`run()` passes
// none). Functions inside an exported interface are named
// `IFACE#FUNC`, e.g. `ns:pkg/iface#f(1)` or `iface#f(1)`. Calls run in order
// on one instance. Each call with a result prints the result in WAVE on its
// own line (a function's `result<T, E>` prints as ok(...)/err(...)); a call
// without a result prints nothing.
//
// Options:
//   --wit PATH     take types from this WIT file or directory instead of the
//                  component's own WIT (needed for exported interfaces that
//                  come from another package: jco prints only the root one)
//   --world NAME   the world in --wit (default: the only world)
//   --keep         keep the transpiled files and print their directory
//   --json         print one JSON object per call instead:
//                  {"call": CALL, "value": WAVE | null} or {"call": CALL, "trap": MESSAGE}
//
// Exit status: 0 all calls returned; 1 a call trapped (prints "trap: MESSAGE"
// on stdout and stops); 2 usage, type or setup errors.
import { readFile, readdir, writeFile, mkdtemp, mkdir, rm, symlink, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transpile, componentWit } from "@bytecodealliance/jco";
import { parseFuncCall, WaveError } from "./lib/wave.mjs";
import { parseWit, WitError } from "./lib/wit.mjs";
import { makeConverter, camel, ValueTypeError } from "./lib/jsvalues.mjs";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

class UsageError extends Error {}

function usage(msg) {
  if (msg) console.error(`jco-run: ${msg}`);
  console.error("usage: node tools/jco-run.mjs [--json] [--wit PATH [--world NAME]] [--keep] COMPONENT.wasm 'CALL' ['CALL' ...]");
  process.exit(2);
}

async function readWitText(p) {
  const st = await stat(p);
  if (st.isFile()) return readFile(p, "utf8");
  const names = (await readdir(p)).filter((n) => n.endsWith(".wit")).sort();
  const parts = [];
  for (const n of names) parts.push(await readFile(path.join(p, n), "utf8"));
  return parts.join("\n");
}

// The component's exports and their types:
//   Map(export name -> { kind: "func", func } | { kind: "interface", scope })
// Types come from WIT; other sources (e.g. the component's type section)
// can be added here.
async function loadExports(bytes, opts) {
  let text;
  if (opts.wit) text = await readWitText(opts.wit);
  else {
    try {
      text = await componentWit(bytes);
    } catch (e) {
      const why = String(e?.payload ?? e?.message ?? e).split("\n").filter(Boolean).slice(-1)[0];
      throw new UsageError(`jco cannot describe the component as a WIT world: ${why}`);
    }
  }
  const doc = parseWit(text);
  let world;
  if (opts.world) {
    world = doc.worlds.find((w) => w.name === opts.world);
    if (!world) throw new UsageError(`no world ${opts.world} in ${opts.wit}`);
  } else {
    if (doc.worlds.length !== 1) throw new UsageError(`${doc.worlds.length} worlds in the WIT; choose one with --world`);
    world = doc.worlds[0];
  }
  const exports = new Map();
  for (const [name, item] of world.items) {
    if (item.dir !== "export") continue;
    if (item.kind === "func") exports.set(name, { kind: "func", func: item.func });
    else exports.set(name, { kind: "interface", scope: item.iface ?? doc.findInterface(item.path, world.pkg), path: item.path });
  }
  return { doc, exports };
}

// Finds a property of a binding object by its WIT name.
function lookup(obj, witName) {
  if (obj == null) return undefined;
  if (witName in obj) return obj[witName];
  const c = camel(witName);
  if (c in obj) return obj[c];
  // jco renames identifiers that clash with JS reserved words.
  const norm = (s) => s.replace(/[^a-zA-Z0-9]/g, "").toLowerCase();
  const key = Object.keys(obj).find((k) => norm(k) === norm(c));
  return key === undefined ? undefined : obj[key];
}

function resolveCall(name, exports, mod) {
  const hash = name.lastIndexOf("#");
  if (hash < 0) {
    const e = exports.get(name);
    if (!e || e.kind !== "func") throw new UsageError(`the component exports no function ${name}`);
    const fn = lookup(mod, name);
    if (typeof fn !== "function") throw new UsageError(`jco bindings have no export for ${name}`);
    return { fn, type: e.func };
  }
  const ifaceName = name.slice(0, hash), funcName = name.slice(hash + 1);
  const strip = (s) => s.replace(/@.*$/, "");
  const key = [...exports.keys()].find((k) => k === ifaceName) ??
    [...exports.keys()].find((k) => strip(k) === strip(ifaceName)) ??
    [...exports.keys()].find((k) => strip(k).split("/").pop() === ifaceName);
  const e = key && exports.get(key);
  if (!e || e.kind !== "interface") throw new UsageError(`the component exports no interface ${ifaceName}`);
  if (!e.scope) throw new UsageError(`no WIT definition of interface ${key}: pass --wit with its package`);
  const ft = e.scope.funcs.get(funcName);
  if (!ft) throw new UsageError(`interface ${key} has no function ${funcName}`);
  const ns = mod[key] ?? lookup(mod, strip(key).split("/").pop());
  const fn = lookup(ns, funcName);
  if (typeof fn !== "function") throw new UsageError(`jco bindings have no export for ${key}#${funcName}`);
  return { fn, type: ft };
}

async function transpileTo(bytes, dir) {
  let files;
  try {
    ({ files } = await transpile(bytes, { name: "component", noTypescript: true, quiet: true }));
  } catch (e) {
    throw new UsageError(`jco transpile failed: ${String(e?.payload ?? e?.message ?? e).split("\n")[0]}`);
  }
  for (const [name, data] of Object.entries(files)) {
    const p = path.join(dir, name);
    await mkdir(path.dirname(p), { recursive: true });
    await writeFile(p, data);
  }
  // The bindings are ES modules and import jco's WASI shims by package name.
  await writeFile(path.join(dir, "package.json"), '{"type": "module"}\n');
  await symlink(path.join(projectRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
  return path.join(dir, "component.js");
}

// Writes one output line (console.log would expand % sequences in WAVE text).
function say(line) {
  process.stdout.write(line + "\n");
}

function trapMessage(e) {
  return String(e?.message ?? e).split("\n")[0];
}

async function main() {
  const args = process.argv.slice(2);
  const opts = { keep: false };
  const rest = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--wit") opts.wit = args[++i];
    else if (a === "--world") opts.world = args[++i];
    else if (a === "--keep") opts.keep = true;
    else if (a === "--json") opts.json = true;
    else if (a === "--") { rest.push(...args.slice(i + 1)); break; }
    else if (a.startsWith("--")) usage(`unknown option ${a}`);
    else rest.push(a);
  }
  if (rest.length < 2) usage(rest.length ? "no call given" : "");
  const [componentPath, ...callTexts] = rest;
  const bytes = await readFile(componentPath);
  const { doc, exports } = await loadExports(bytes, opts);
  const { lower, lift } = makeConverter((t) => doc.resolve(t));
  const calls = callTexts.map((c) => parseFuncCall(c));

  const dir = await mkdtemp(path.join(tmpdir(), "jco-run-"));
  let status = 0;
  try {
    const entry = await transpileTo(bytes, dir);
    const mod = await import(pathToFileURL(entry).href);
    const report = (i, value) => {
      if (opts.json) say(JSON.stringify({ call: callTexts[i], value }));
      else if (value !== null) say(value);
    };
    for (const [i, call] of calls.entries()) {
      const { fn, type } = resolveCall(call.name, exports, mod);
      // Trailing option parameters may be left out: they are none.
      const optional = (p) => doc.resolve(p[1]).k === "option";
      if (call.args.length > type.params.length || !type.params.slice(call.args.length).every(optional))
        throw new UsageError(`${call.name} takes ${type.params.length} arguments, got ${call.args.length}`);
      const jsArgs = type.params.map((p, i) =>
        i < call.args.length ? lower(call.args[i], p[1]) : lower({ k: "case", name: "none" }, p[1]));
      const result = type.result ? doc.resolve(type.result) : null;
      let ret;
      try {
        ret = await fn(...jsArgs);
      } catch (e) {
        // A function's own result<T, E> comes back as T or a thrown ComponentError(E).
        if (result?.k === "result" && e?.constructor?.name === "ComponentError") {
          report(i, result.err ? `err(${lift(e.payload, result.err)})` : "err");
          continue;
        }
        if (opts.json) say(JSON.stringify({ call: callTexts[i], trap: trapMessage(e) }));
        else say(`trap: ${trapMessage(e)}`);
        status = 1;
        break;
      }
      if (!result) report(i, null);
      else if (result.k === "result") report(i, result.ok ? `ok(${lift(ret, result.ok)})` : "ok");
      else report(i, lift(ret, result));
    }
  } finally {
    if (opts.keep) console.error(`jco-run: transpiled files kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
  process.exitCode = status;
}

main().catch((e) => {
  const known = e instanceof UsageError || e instanceof WaveError || e instanceof WitError || e instanceof ValueTypeError;
  console.error(`jco-run: ${known ? e.message : e?.stack ?? e}`);
  process.exit(2);
});
