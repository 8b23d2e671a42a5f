#!/usr/bin/env node
// Helper of run-diff.sh.
//
//   node diff.mjs build OUTDIR FILE.wat...
//       encodes each component text file with jco's parse into OUTDIR/NAME.wasm
//   node diff.mjs jco CASES WASMDIR
//       reads the manifest, transpiles each component once with jco, runs
//       every call on a fresh instance and prints one line per call with
//       fields separated by \x1f: FILE, CALL, EXPECTED, RULE ("" for an
//       agreement), JCO
//       where JCO is the result in WAVE, "trap: MESSAGE" or "error: MESSAGE"
//       (the call could not be made or its result not read).
//
// Manifest (CASES): "[NAME.wat]" starts a component's calls; then one call a
// line: `CALL | EXPECTED` or `CALL | EXPECTED | jco-differs RULE`. EXPECTED is
// the specification's answer in WAVE, or `trap`. `#` starts a comment line.
import { readFile, writeFile, mkdtemp, mkdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { parse, transpile, componentWit } from "@bytecodealliance/jco";
import { parseFuncCall, parseValue, printNode } from "../../../tools/lib/wave.mjs";
import { parseWit } from "../../../tools/lib/wit.mjs";
import { makeConverter, camel } from "../../../tools/lib/jsvalues.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

function readCases(text) {
  const comps = [];
  let cur = null;
  text.split("\n").forEach((raw, n) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const sec = /^\[(.+\.wat)\]$/.exec(line);
    if (sec) {
      cur = { file: sec[1], calls: [] };
      comps.push(cur);
      return;
    }
    // The rule (third field) may itself contain " | ".
    const parts = line.split(" | ").map((s) => s.trim());
    if (parts.length > 3) parts.splice(2, parts.length - 2, parts.slice(2).join(" | "));
    if (!cur || parts.length < 2)
      throw new Error(`cases line ${n + 1}: expected CALL | EXPECTED [| jco-differs RULE]`);
    let rule = "";
    if (parts.length === 3) {
      if (!parts[2].startsWith("jco-differs ")) throw new Error(`cases line ${n + 1}: third field must be "jco-differs RULE"`);
      rule = parts[2].slice("jco-differs ".length).trim();
    }
    // The expected value in the printers' form (e.g. '\u{e000}' as the character).
    let expect = parts[1];
    if (expect !== "trap") {
      try {
        expect = printNode(parseValue(expect));
      } catch (e) {
        throw new Error(`cases line ${n + 1}: expected value: ${e.message}`);
      }
    }
    cur.calls.push({ call: parts[0], expect, rule });
  });
  return comps;
}

const firstLine = (e) => String(e?.payload ?? e?.message ?? e).split("\n").filter(Boolean)[0] ?? "";

async function build(outDir, files) {
  await mkdir(outDir, { recursive: true });
  let bad = 0;
  for (const f of files) {
    const out = path.join(outDir, path.basename(f, ".wat") + ".wasm");
    try {
      await writeFile(out, await parse(await readFile(f, "utf8")));
    } catch (e) {
      console.error(`${path.basename(f)}: jco parse failed: ${firstLine(e)}`);
      bad++;
    }
  }
  process.exitCode = bad ? 1 : 0;
}

// jco's transpiler is itself a component: once it panics on one input, its
// instance refuses every later call. Each transpile runs in a worker thread.
async function transpile1(bytes) {
  const wit = await componentWit(bytes);
  const { files } = await transpile(bytes, { name: "component", noTypescript: true, quiet: true, instantiation: "async" });
  return { wit, files };
}

function transpileIsolated(bytes) {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: { bytes } });
    w.once("message", (m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
    w.once("error", reject);
    w.once("exit", (code) => reject(new Error(`transpile worker exited (${code})`)));
  });
}

// Finds a property of a binding object by its WIT name.
function lookup(obj, name) {
  if (obj == null) return undefined;
  if (name in obj) return obj[name];
  return obj[camel(name)];
}

class Component {
  static async load(wasm, work) {
    const c = new Component();
    const { wit, files } = await transpileIsolated(await readFile(wasm));
    const doc = parseWit(wit);
    if (doc.worlds.length !== 1) throw new Error(`${doc.worlds.length} worlds in the component's WIT`);
    c.doc = doc;
    c.world = doc.worlds[0];
    c.conv = makeConverter((t) => doc.resolve(t));
    const dir = await mkdtemp(path.join(work, "jco-"));
    for (const [name, data] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), data);
    }
    await writeFile(path.join(dir, "package.json"), '{"type": "module"}\n');
    await symlink(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
    c.modules = new Map();
    for (const [name, data] of Object.entries(files))
      if (name.endsWith(".wasm")) c.modules.set(name, await WebAssembly.compile(data));
    c.instantiate = (await import(pathToFileURL(path.join(dir, "component.js")).href)).instantiate;
    return c;
  }

  // The export to call and its WIT type: NAME or IFACE#NAME.
  resolve(name, exportsObj) {
    const hash = name.lastIndexOf("#");
    if (hash < 0) {
      const item = this.world.items.get(name);
      if (!item || item.dir !== "export" || item.kind !== "func") throw new Error(`no exported function ${name}`);
      return { fn: lookup(exportsObj, name), type: item.func };
    }
    const iname = name.slice(0, hash), fname = name.slice(hash + 1);
    const item = this.world.items.get(iname);
    if (!item || item.dir !== "export" || item.kind === "func") throw new Error(`no exported interface ${iname}`);
    const scope = item.iface ?? this.doc.findInterface(item.path, this.world.pkg);
    const type = scope?.funcs.get(fname);
    if (!type) throw new Error(`interface ${iname} has no function ${fname}`);
    return { fn: lookup(lookup(exportsObj, iname), fname), type };
  }

  async call(text) {
    const { lower, lift } = this.conv;
    let fn, type, args, result;
    try {
      const call = parseFuncCall(text);
      const inst = await this.instantiate((p) => this.modules.get(p), {});
      ({ fn, type } = this.resolve(call.name, inst));
      if (typeof fn !== "function") throw new Error(`jco bindings have no function for ${call.name}`);
      if (call.args.length !== type.params.length)
        throw new Error(`${call.name} takes ${type.params.length} arguments, got ${call.args.length}`);
      args = type.params.map((p, i) => lower(call.args[i], p[1]));
      result = type.result ? this.doc.resolve(type.result) : null;
    } catch (e) {
      return `error: ${firstLine(e)}`;
    }
    let ret;
    try {
      ret = await fn(...args);
    } catch (e) {
      // A function's own result<T, E> returns T and throws ComponentError(E).
      if (result?.k === "result" && e?.constructor?.name === "ComponentError") {
        try {
          return result.err ? `err(${lift(e.payload, result.err)})` : "err";
        } catch (e2) {
          return `error: ${firstLine(e2)}`;
        }
      }
      return `trap: ${firstLine(e)}`;
    }
    try {
      if (!result) return "";
      if (result.k === "result") return result.ok ? `ok(${lift(ret, result.ok)})` : "ok";
      return lift(ret, result);
    } catch (e) {
      return `error: ${firstLine(e)}`;
    }
  }
}

const SEP = "\x1f";
const clean = (s) => s.replace(/[\x1f\n\r]/g, " ");

async function runJco(casesFile, wasmDir) {
  const comps = readCases(await readFile(casesFile, "utf8"));
  const work = await mkdtemp(path.join(tmpdir(), "weft-diff-"));
  const out = [];
  try {
    for (const comp of comps) {
      const wasm = path.join(wasmDir, path.basename(comp.file, ".wat") + ".wasm");
      let c = null, why = "";
      try {
        c = await Component.load(wasm, work);
      } catch (e) {
        why = `error: jco cannot load the component: ${firstLine(e)}`;
      }
      for (const k of comp.calls) {
        const got = c ? await c.call(k.call) : why;
        out.push([comp.file, k.call, k.expect, k.rule, clean(got)].join(SEP));
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
}

const [cmd, ...rest] = process.argv.slice(2);
if (!isMainThread) {
  try {
    parentPort.postMessage(await transpile1(workerData.bytes));
  } catch (e) {
    parentPort.postMessage({ error: firstLine(e) });
  }
} else if (cmd === "build" && rest.length >= 1) await build(rest[0], rest.slice(1));
else if (cmd === "jco" && rest.length === 2) await runJco(rest[0], rest[1]);
else {
  console.error("usage: node diff.mjs build OUTDIR FILE.wat... | node diff.mjs jco CASES WASMDIR");
  process.exit(2);
}
