#!/usr/bin/env node
// Converts a Component Model .wast script (or a core one that wabt cannot
// parse, such as the custom-page-sizes proposal's) into binaries plus a JSON
// script in the layout of wabt's wast2json (command names as in wasm-tools'
// json-from-wast, which extends it for components).
//
//   node tools/cm-wast2json.mjs IN.wast -o OUT.json [-v] [--strict]
//
// Writes OUT.json and OUT.N.wasm (or OUT.N.wat) next to it. Component and
// core module text is encoded with jco's `parse` (wasm-tools' wat parser);
// "binary" forms are decoded here. Commands:
//   module                {line, name?, filename, module_type}
//   module_definition     {line, name?, filename, module_type}  (component definition ...)
//   module_instance       {line, instance?, module?}            (component instance $i $M)
//   register              {line, name?, as}
//   action                {line, action}
//   assert_return         {line, action, expected: [...]}
//   assert_trap           {line, action, text}
//   assert_exhaustion     {line, action, text}
//   assert_exception      {line, action}
//   assert_invalid | assert_malformed | assert_unlinkable | assert_uninstantiable
//                         {line, filename, module_type, text}
// (assert_trap (component ...) "msg") becomes assert_uninstantiable.
// Actions: {type: "invoke", module?, field, args} or {type: "get", module?, field}.
// Values: {type: "wave", value, source} for component values (see
// lib/wastvalue.mjs), {type: "i32"|"i64"|..., value} for core ones.
// An assert_invalid/assert_malformed module that jco cannot parse is written
// as text (.wat, module_type "text") with the parser's message in
// "parse_error". Forms that cannot be converted are left out and listed on
// stderr (and make --strict exit with status 1).
//
// -v prints a one-line summary: FILE: N commands (type=count ...) skipped=K
import { readFile, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { parse as jcoParse } from "@bytecodealliance/jco";
import { read, isAtom, isId, headOf, strText, SexprError } from "./lib/sexpr.mjs";
import { convertValue } from "./lib/wastvalue.mjs";

const MODULE_ASSERTS = new Set(["assert_invalid", "assert_malformed", "assert_unlinkable", "assert_uninstantiable"]);
const ACTION_ASSERTS = new Set(["assert_trap", "assert_exhaustion", "assert_exception", "assert_suspension"]);

class Skip extends Error {}

function usage(msg) {
  if (msg) console.error(`cm-wast2json: ${msg}`);
  console.error("usage: node tools/cm-wast2json.mjs IN.wast -o OUT.json [-v] [--strict]");
  process.exit(2);
}

// jco's errors are Rust Debug renderings of wast errors; keep the message.
function parseErrorText(e) {
  const s = String(e?.payload ?? e?.message ?? e);
  const custom = /kind: Custom\("((?:[^"\\]|\\.)*)"\)/.exec(s);
  if (custom) {
    const span = /span: Span \{ offset: (\d+) \}/.exec(s);
    return custom[1].replace(/\\"/g, '"').replace(/\\\\/g, "\\") + (span ? ` (offset ${span[1]})` : "");
  }
  const lex = /kind: Lex\((.*)\) \} \}\) \}$/.exec(s);
  if (lex) return `lexical error: ${lex[1]}`;
  return s.split("\n")[0];
}

class Converter {
  constructor(source, outBase) {
    this.src = source;
    this.outBase = outBase;       // path prefix of output files
    this.files = [];              // [name, bytes | string]
    this.commands = [];
    this.skipped = [];            // {line, form, reason}
    this.kinds = new Map();       // module/instance $name -> "module" | "component"
    this.lastKind = null;
  }

  nextFile(ext, data) {
    const name = `${path.basename(this.outBase)}.${this.files.length}.${ext}`;
    this.files.push([name, data]);
    return name;
  }

  text(node) {
    return this.src.slice(node.start, node.end);
  }

  // Splits a (component ...) / (module ...) form into its parts.
  //   {kind, id?, definition, instance?: {instance?, module?}, binary?: bytes, text?}
  moduleForm(node) {
    const kind = headOf(node);
    if (kind !== "component" && kind !== "module") throw new Skip(`expected a component or module, got ${kind ?? "a non-list"}`);
    const items = node.items;
    let i = 1;
    const form = { kind, definition: false };
    let defAtom = null;
    if (isAtom(items[i], "definition")) { form.definition = true; defAtom = items[i]; i++; }
    else if (isAtom(items[i], "instance")) {
      i++;
      const ids = [];
      while (isId(items[i])) ids.push(items[i++].text);
      if (i !== items.length || ids.length > 2) throw new Skip(`malformed (${kind} instance ...)`);
      // (component instance $i? $M?): without $M, the latest definition.
      form.instance = {};
      if (ids[0]) form.instance.instance = ids[0];
      if (ids[1]) form.instance.module = ids[1];
      return form;
    }
    if (isId(items[i])) form.id = items[i++].text;
    if (isAtom(items[i], "binary") || isAtom(items[i], "quote")) {
      const what = items[i].text;
      const parts = items.slice(i + 1);
      if (parts.some((p) => p.t !== "str")) throw new Skip(`(${kind} ${what} ...) takes only strings`);
      if (what === "binary") {
        const len = parts.reduce((a, p) => a + p.bytes.length, 0);
        form.binary = new Uint8Array(len);
        let off = 0;
        for (const p of parts) { form.binary.set(p.bytes, off); off += p.bytes.length; }
      } else {
        const body = parts.map((p) => new TextDecoder().decode(p.bytes)).join(" ");
        form.text = `(${kind}${form.id ? " " + form.id : ""} ${body})`;
      }
      return form;
    }
    // Plain text; a "definition" keyword is dropped (the binary is the same).
    form.text = defAtom
      ? this.src.slice(node.start, defAtom.start) + this.src.slice(defAtom.end, node.end)
      : this.text(node);
    return form;
  }

  // Encodes a module form; returns {filename, module_type, parse_error?}.
  async encode(form, allowText) {
    if (form.binary) return { filename: this.nextFile("wasm", form.binary), module_type: "binary" };
    try {
      const bytes = await jcoParse(form.text);
      return { filename: this.nextFile("wasm", bytes), module_type: "binary" };
    } catch (e) {
      const msg = parseErrorText(e);
      if (!allowText) throw new Skip(`jco parse failed: ${msg}`);
      return { filename: this.nextFile("wat", form.text), module_type: "text", parse_error: msg };
    }
  }

  // The kind of module an action targets ($name, or the latest one).
  targetIsCore(moduleName) {
    const kind = moduleName ? this.kinds.get(moduleName) : this.lastKind;
    return kind === "module";
  }

  action(node) {
    const head = headOf(node);
    if (head !== "invoke" && head !== "get") throw new Skip(`expected an action, got ${head ?? "a non-list"}`);
    const items = node.items;
    let i = 1;
    const action = { type: head };
    if (isId(items[i])) action.module = items[i++].text;
    if (items[i]?.t !== "str") throw new Skip(`${head} needs an export name`);
    action.field = strText(items[i++]);
    const core = this.targetIsCore(action.module);
    if (head === "invoke") action.args = items.slice(i).map((a) => convertValue(a, this.src, core));
    else if (i !== items.length) throw new Skip("get takes no arguments");
    return { action, core };
  }

  messageOf(node, what) {
    if (node?.t !== "str") throw new Skip(`${what} needs a message string`);
    return strText(node);
  }

  async command(node) {
    const head = headOf(node);
    const line = node.line;
    if (head === "component" || head === "module") {
      const form = this.moduleForm(node);
      if (form.instance) {
        const cmd = { type: "module_instance", line };
        if (form.instance.instance) cmd.instance = form.instance.instance;
        if (form.instance.module) cmd.module = form.instance.module;
        const kind = this.kinds.get(form.instance.module) ?? form.kind;
        if (form.instance.instance) this.kinds.set(form.instance.instance, kind);
        this.lastKind = kind;
        return cmd;
      }
      const file = await this.encode(form, false);
      const cmd = { type: form.definition ? "module_definition" : "module", line };
      if (form.id) { cmd.name = form.id; this.kinds.set(form.id, form.kind); }
      if (!form.definition) this.lastKind = form.kind;
      return { ...cmd, ...file };
    }
    if (head === "register") {
      const items = node.items;
      const as = this.messageOf(items[1], "register");
      const cmd = { type: "register", line };
      if (isId(items[2])) cmd.name = items[2].text;
      cmd.as = as;
      return cmd;
    }
    if (head === "invoke" || head === "get") {
      return { type: "action", line, action: this.action(node).action };
    }
    if (head === "assert_return") {
      const { action, core } = this.action(node.items[1]);
      const expected = node.items.slice(2).map((v) => {
        if (headOf(v) === "either") throw new Skip("(either ...) results are not supported");
        return convertValue(v, this.src, core);
      });
      return { type: "assert_return", line, action, expected };
    }
    if (head === "assert_trap" && ["component", "module"].includes(headOf(node.items[1]))) {
      const form = this.moduleForm(node.items[1]);
      if (form.instance) throw new Skip("assert_trap on a (component instance ...) is not supported");
      const file = await this.encode(form, false);
      return { type: "assert_uninstantiable", line, ...file, text: this.messageOf(node.items[2], head) };
    }
    if (ACTION_ASSERTS.has(head)) {
      const { action } = this.action(node.items[1]);
      const cmd = { type: head, line, action };
      if (head !== "assert_exception") cmd.text = this.messageOf(node.items[2], head);
      return cmd;
    }
    if (MODULE_ASSERTS.has(head)) {
      const form = this.moduleForm(node.items[1]);
      if (form.instance) throw new Skip(`${head} on a (component instance ...) is not supported`);
      const allowText = head === "assert_invalid" || head === "assert_malformed";
      const file = await this.encode(form, allowText);
      return { type: head, line, ...file, text: this.messageOf(node.items[2], head) };
    }
    throw new Skip(`unsupported command ${head ?? "(not a list)"}`);
  }

  async run() {
    const nodes = read(this.src);
    for (const node of nodes) {
      const head = headOf(node) ?? "?";
      try {
        this.commands.push(await this.command(node));
      } catch (e) {
        if (!(e instanceof Skip) && !(e instanceof SexprError)) throw e;
        const sub = headOf(node.items?.[1]);
        const form = sub && head.startsWith("assert_") ? `${head} (${sub} ...)` : head;
        this.skipped.push({ line: node.line, form, reason: e.message.replace(/^line \d+: /, "") });
      }
    }
  }

  summary() {
    const counts = {};
    for (const c of this.commands) counts[c.type] = (counts[c.type] ?? 0) + 1;
    const text = this.commands.filter((c) => c.module_type === "text").length;
    return { counts, text };
  }
}

async function main() {
  const args = process.argv.slice(2);
  let input, output, verbose = false, strict = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "-o") output = args[++i];
    else if (a === "-v") verbose = true;
    else if (a === "--strict") strict = true;
    else if (a.startsWith("-")) usage(`unknown option ${a}`);
    else if (!input) input = a;
    else usage("more than one input");
  }
  if (!input) usage("no input file");
  if (!output) output = input.replace(/\.wast$/, "") + ".json";
  const source = await readFile(input, "utf8");
  const outDir = path.dirname(path.resolve(output));
  const outBase = path.join(outDir, path.basename(output).replace(/\.json$/, ""));
  const conv = new Converter(source, outBase);
  await conv.run();

  await mkdir(outDir, { recursive: true });
  for (const [name, data] of conv.files) await writeFile(path.join(outDir, name), data);
  // One command per line, like wast2json.
  const lines = conv.commands.map((c) => "  " + JSON.stringify(c));
  const json = `{"source_filename": ${JSON.stringify(path.basename(input))},\n "commands": [\n${lines.join(",\n")}\n ]}\n`;
  await writeFile(output, json);

  for (const s of conv.skipped)
    console.error(`${input}:${s.line}: not converted: ${s.form}: ${s.reason}`);
  if (verbose) {
    const { counts, text } = conv.summary();
    const parts = Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(" ");
    process.stdout.write(`${input}: ${conv.commands.length} commands (${parts}) text_modules=${text} skipped=${conv.skipped.length}\n`);
  }
  if (strict && conv.skipped.length) process.exit(1);
}

main().catch((e) => {
  console.error(`cm-wast2json: ${e?.message ?? e}`);
  process.exit(1);
});
