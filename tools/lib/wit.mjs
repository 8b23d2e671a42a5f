// A WIT reader for the text printed by `jco wit` / componentWit: packages
// (top-level and nested `package ns:name { ... }` blocks), interfaces,
// worlds, type definitions, functions and `use`. Gates (@since, @unstable,
// @deprecated), `include` and resource methods are read and ignored where
// they do not affect function types.
//
// parseWit(text) -> Document with
//   doc.worlds: [{ name, pkg, items: Map(name -> item) }]
//   doc.findInterface(path, fromPkg) -> interface scope
//   doc.resolve(type, scope) -> a structural type (named references
//   followed through aliases and `use`):
//     { k: "bool"|"u8"|...|"f64"|"char"|"string" }
//     { k: "list", elem, len? }  { k: "option", inner }  { k: "tuple", items }
//     { k: "result", ok?, err? } { k: "record", name, fields: [[name, type]] }
//     { k: "variant", name, cases: [[name, type?]] } { k: "enum", name, cases }
//     { k: "flags", name, names } { k: "resource", name } { k: "own"|"borrow", res }
//     { k: "future"|"stream", inner? } { k: "map", key, value } { k: "error-context" }
// Function types: { params: [[name, type]], result: type | null, async: bool }.

export class WitError extends Error {}

const PRIMS = new Set(["bool", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64",
  "f32", "f64", "float32", "float64", "char", "string", "error-context"]);

function tokenize(src) {
  const toks = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    if (src.startsWith("//", i)) { const nl = src.indexOf("\n", i); i = nl < 0 ? src.length : nl + 1; continue; }
    if (src.startsWith("/*", i)) {
      let depth = 0;
      while (i < src.length) {
        if (src.startsWith("/*", i)) { depth++; i += 2; }
        else if (src.startsWith("*/", i)) { depth--; i += 2; if (!depth) break; }
        else i++;
      }
      continue;
    }
    if (src.startsWith("->", i)) { toks.push({ v: "->", pos: i }); i += 2; continue; }
    const id = /^%?[a-zA-Z][a-zA-Z0-9]*(?:-[a-zA-Z0-9]+)*/.exec(src.slice(i, i + 256));
    if (id) { toks.push({ v: id[0], id: true, pos: i }); i += id[0].length; continue; }
    // Numbers, including semver versions such as 0.2.0-rc.1+build.
    const num = /^[0-9]+(?:\.[0-9]+\.[0-9]+(?:[-+][0-9A-Za-z-]+(?:[.+][0-9A-Za-z-]+)*)?)?/.exec(src.slice(i, i + 256));
    if (num) { toks.push({ v: num[0], num: true, pos: i }); i += num[0].length; continue; }
    if (c === '"') {
      const end = src.indexOf('"', i + 1);
      toks.push({ v: src.slice(i, end + 1), str: true, pos: i });
      i = end + 1;
      continue;
    }
    toks.push({ v: c, pos: i });
    i++;
  }
  return toks;
}

const unescape = (name) => name.replace(/^%/, "");

class Scope {
  constructor(kind, name, pkg) {
    this.kind = kind;          // "interface" | "world"
    this.name = name;
    this.pkg = pkg;            // "ns:name@ver" (no version if none)
    this.types = new Map();    // name -> type AST
    this.funcs = new Map();    // name -> function type
    this.items = new Map();    // world imports/exports: name -> item
  }
}

class Parser {
  constructor(src) {
    this.src = src;
    this.toks = tokenize(src);
    this.i = 0;
    this.interfaces = [];      // Scope
    this.worlds = [];
  }

  fail(msg) {
    const t = this.toks[this.i];
    const pos = t ? t.pos : this.src.length;
    const line = this.src.slice(0, pos).split("\n").length;
    throw new WitError(`WIT line ${line}: ${msg}${t ? ` (at ${JSON.stringify(t.v)})` : ""}`);
  }

  peek(o = 0) { return this.toks[this.i + o]?.v; }
  next() { const t = this.toks[this.i++]; if (!t) this.fail("unexpected end"); return t.v; }
  eat(v) { if (this.peek() === v) { this.i++; return true; } return false; }
  expect(v) { if (!this.eat(v)) this.fail(`expected ${JSON.stringify(v)}`); }
  ident() {
    const t = this.toks[this.i];
    if (!t?.id) this.fail("expected an identifier");
    this.i++;
    return unescape(t.v);
  }

  // Skips @gate(...) attributes.
  gates() {
    while (this.peek() === "@") {
      this.i++;
      this.ident();
      if (this.eat("(")) {
        let depth = 1;
        while (depth) { const v = this.next(); if (v === "(") depth++; else if (v === ")") depth--; }
      }
    }
  }

  // ns:name[/iface][@version] or a plain name: returned as text.
  path() {
    let s = this.ident();
    if (this.eat(":")) {
      s += ":" + this.ident();
      while (this.eat(":")) s += ":" + this.ident();
      if (this.eat("/")) s += "/" + this.ident();
    }
    if (this.eat("@")) s += "@" + this.version();
    return s;
  }

  version() {
    const t = this.toks[this.i];
    if (!t?.num) this.fail("expected a version");
    this.i++;
    return t.v;
  }

  // `package p;` sets the package of the items after it (several files of
  // one package may be joined); `package p { ... }` nests one.
  document() {
    let pkg = null;
    for (;;) {
      this.gates();
      if (this.i >= this.toks.length) break;
      if (this.peek() === "package") {
        this.i++;
        const p = this.path();
        if (this.eat("{")) this.packageBody(p);
        else { this.expect(";"); pkg = p; }
        continue;
      }
      this.topItem(pkg);
    }
  }

  packageBody(pkg) {
    while (!this.eat("}")) this.topItem(pkg);
  }

  topItem(pkg) {
    this.gates();
    const kw = this.next();
    if (kw === "package") {
      const p = this.path();
      this.expect("{");
      this.packageBody(p);
    } else if (kw === "interface") {
      const scope = new Scope("interface", this.ident(), pkg);
      this.expect("{");
      this.interfaceBody(scope);
      this.interfaces.push(scope);
    } else if (kw === "world") {
      const scope = new Scope("world", this.ident(), pkg);
      this.expect("{");
      this.worldBody(scope);
      this.worlds.push(scope);
    } else if (kw === "use") {
      this.path();
      if (this.eat("as")) this.ident();
      this.expect(";");
    } else this.fail(`unexpected ${kw}`);
  }

  interfaceBody(scope) {
    while (!this.eat("}")) {
      this.gates();
      if (this.typeItem(scope)) continue;
      const name = this.ident();
      this.expect(":");
      scope.funcs.set(name, this.funcType(scope));
      this.expect(";");
    }
  }

  worldBody(scope) {
    while (!this.eat("}")) {
      this.gates();
      const kw = this.peek();
      if (kw === "import" || kw === "export") {
        this.i++;
        const dir = kw;
        // name: func... | name: async func... | name: interface {...} | path;
        const named = this.peek(1) === ":" &&
          ((this.peek(2) === "func" && this.peek(3) === "(") ||
           (this.peek(2) === "async" && this.peek(3) === "func") ||
           (this.peek(2) === "interface" && this.peek(3) === "{"));
        if (named) {
          const name = this.ident();
          this.expect(":");
          if (this.eat("interface")) {
            const iface = new Scope("interface", name, scope.pkg);
            iface.inline = true;
            this.expect("{");
            this.interfaceBody(iface);
            scope.items.set(name, { dir, kind: "interface", iface, key: name });
          } else {
            scope.items.set(name, { dir, kind: "func", func: this.funcType(scope), key: name });
            this.expect(";");
          }
        } else {
          const path = this.path();
          this.expect(";");
          scope.items.set(path, { dir, kind: "interface", path, key: path });
        }
        continue;
      }
      if (kw === "include") {
        this.i++;
        this.path();
        if (this.eat("with")) { this.expect("{"); while (!this.eat("}")) this.next(); }
        else this.expect(";");
        continue;
      }
      if (this.typeItem(scope)) continue;
      this.fail(`unexpected ${kw} in world`);
    }
  }

  // Type definitions and `use`; returns false if the next item is neither.
  typeItem(scope) {
    const kw = this.peek();
    if (this.peek(1) === ":") return false; // a function named like a keyword
    if (kw === "use") {
      this.i++;
      const from = this.path();
      this.expect(".");
      this.expect("{");
      while (!this.eat("}")) {
        const name = this.ident();
        const as = this.eat("as") ? this.ident() : name;
        scope.types.set(as, { k: "use", from, name, scope });
        this.eat(",");
      }
      this.expect(";");
      return true;
    }
    switch (kw) {
      case "type": {
        this.i++;
        const name = this.ident();
        this.expect("=");
        scope.types.set(name, { k: "alias", type: this.type(scope), scope });
        this.expect(";");
        return true;
      }
      case "record": {
        this.i++;
        const name = this.ident();
        const fields = [];
        this.expect("{");
        while (!this.eat("}")) {
          this.gates();
          const f = this.ident();
          this.expect(":");
          fields.push([f, this.type(scope)]);
          this.eat(",");
        }
        scope.types.set(name, { k: "record", name, fields, scope });
        return true;
      }
      case "variant": {
        this.i++;
        const name = this.ident();
        const cases = [];
        this.expect("{");
        while (!this.eat("}")) {
          this.gates();
          const c = this.ident();
          let t = null;
          if (this.eat("(")) { t = this.type(scope); this.expect(")"); }
          cases.push([c, t]);
          this.eat(",");
        }
        scope.types.set(name, { k: "variant", name, cases, scope });
        return true;
      }
      case "enum":
      case "flags": {
        this.i++;
        const name = this.ident();
        const names = [];
        this.expect("{");
        while (!this.eat("}")) { this.gates(); names.push(this.ident()); this.eat(","); }
        scope.types.set(name, kw === "enum" ? { k: "enum", name, cases: names } : { k: "flags", name, names });
        return true;
      }
      case "resource": {
        this.i++;
        const name = this.ident();
        scope.types.set(name, { k: "resource", name });
        if (this.eat("{")) {
          // Methods are skipped: balanced braces up to the closing one.
          let depth = 1;
          while (depth) { const v = this.next(); if (v === "{") depth++; else if (v === "}") depth--; }
        } else this.expect(";");
        return true;
      }
    }
    return false;
  }

  funcType(scope) {
    const isAsync = this.eat("async");
    this.expect("func");
    this.expect("(");
    const params = [];
    while (!this.eat(")")) {
      const n = this.ident();
      this.expect(":");
      params.push([n, this.type(scope)]);
      this.eat(",");
    }
    let result = null;
    if (this.eat("->")) result = this.type(scope);
    return { params, result, async: isAsync };
  }

  type(scope) {
    const name = this.ident();
    const args = () => {
      const out = [];
      this.expect("<");
      while (!this.eat(">")) {
        if (this.eat("_")) out.push(null);
        else if (this.toks[this.i]?.num) out.push(Number(this.next()));
        else out.push(this.type(scope));
        this.eat(",");
      }
      return out;
    };
    if (PRIMS.has(name)) {
      if (name === "float32") return { k: "f32" };
      if (name === "float64") return { k: "f64" };
      return { k: name };
    }
    switch (name) {
      case "list": { const [elem, len] = args(); return len === undefined ? { k: "list", elem } : { k: "list", elem, len }; }
      case "option": return { k: "option", inner: args()[0] };
      case "tuple": return { k: "tuple", items: args() };
      case "map": { const [key, value] = args(); return { k: "map", key, value }; }
      case "result": {
        if (this.peek() !== "<") return { k: "result" };
        const [ok, err] = args();
        const t = { k: "result" };
        if (ok) t.ok = ok;
        if (err) t.err = err;
        return t;
      }
      case "own": case "borrow": return { k: name, res: args()[0] };
      case "future": case "stream":
        return this.peek() === "<" ? { k: name, inner: args()[0] } : { k: name };
    }
    return { k: "ref", name, scope };
  }
}

const stripVersion = (p) => p.replace(/@.*$/, "");

export class Document {
  constructor(parser) {
    this.interfaces = parser.interfaces;
    this.worlds = parser.worlds;
  }

  // "iface" (same package as fromPkg) or "ns:pkg/iface[@ver]".
  findInterface(path, fromPkg) {
    let pkg = fromPkg, name = path;
    const slash = path.indexOf("/");
    if (slash >= 0) {
      pkg = path.slice(0, slash);
      name = path.slice(slash + 1);
      const at = name.indexOf("@");
      if (at >= 0) { pkg += name.slice(at); name = name.slice(0, at); }
    }
    const cands = this.interfaces.filter((s) => s.name === name && !s.inline);
    return cands.find((s) => s.pkg === pkg) ??
      cands.find((s) => s.pkg && pkg && stripVersion(s.pkg) === stripVersion(pkg)) ??
      (cands.length === 1 ? cands[0] : undefined);
  }

  // Follows references, aliases and `use` to a structural type.
  resolve(t, depth = 0) {
    if (depth > 100) throw new WitError("type reference cycle");
    if (!t) return t;
    if (t.k === "ref") {
      const def = t.scope.types.get(t.name);
      if (!def) throw new WitError(`unknown type ${t.name} in ${t.scope.kind} ${t.scope.name}`);
      return this.resolve(def, depth + 1);
    }
    if (t.k === "alias") return this.resolve(t.type, depth + 1);
    if (t.k === "use") {
      const from = this.findInterface(t.from, t.scope.pkg);
      if (!from) throw new WitError(`unknown interface ${t.from}`);
      const def = from.types.get(t.name);
      if (!def) throw new WitError(`interface ${t.from} has no type ${t.name}`);
      return this.resolve(def, depth + 1);
    }
    return t;
  }
}

export function parseWit(text) {
  const p = new Parser(text);
  p.document();
  return new Document(p);
}
