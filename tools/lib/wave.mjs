// WAVE (WebAssembly Value Encoding) text helpers.
//
// Printing: waveString, waveChar, waveLabel, waveF32/waveF64 format scalars.
// Parsing: parseValue / parseFuncCall produce an untyped tree; a consumer
// that knows the component type interprets it (bools, enums, variants,
// options and results all parse as a "case" node).
//
// Untyped nodes:
//   { k: "num", text }                 integer or float literal, nan, inf, -inf
//   { k: "char", value }               one Unicode scalar, as a JS string
//   { k: "str", value }
//   { k: "case", name, payload? }      label, optionally with (payload)
//   { k: "tuple", items }
//   { k: "list", items }
//   { k: "flags", names }              {a, b} and {}
//   { k: "record", fields: [[name, node], ...] }

export const KEYWORDS = new Set(["true", "false", "inf", "nan", "some", "none", "ok", "err"]);

// A label (record field, case, flag): keywords get the % prefix.
export function waveLabel(name) {
  return KEYWORDS.has(name) ? `%${name}` : name;
}

function escapeChar(ch, quote) {
  switch (ch) {
    case "\\": return "\\\\";
    case "\n": return "\\n";
    case "\t": return "\\t";
    case "\r": return "\\r";
    case quote: return `\\${quote}`;
  }
  const cp = ch.codePointAt(0);
  if (cp < 0x20 || cp === 0x7f) return `\\u{${cp.toString(16)}}`;
  return ch;
}

export function waveString(s) {
  let out = '"';
  for (const ch of s) out += escapeChar(ch, '"');
  return out + '"';
}

export function waveChar(c) {
  return `'${escapeChar(c, "'")}'`;
}

// Shortest decimal text that reads back as the same float32.
export function waveF32(x) {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (Object.is(x, -0)) return "-0";
  const f = Math.fround(x);
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return normalizeNumber(s);
  }
  return normalizeNumber(String(f));
}

export function waveF64(x) {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (Object.is(x, -0)) return "-0";
  return normalizeNumber(String(x));
}

// JS number text -> WAVE number syntax: no trailing ".", no "+" before the
// exponent digits needed, trailing fraction zeros dropped.
function normalizeNumber(s) {
  let [mant, exp] = s.toLowerCase().split("e");
  if (mant.includes(".")) mant = mant.replace(/0+$/, "").replace(/\.$/, "");
  if (exp === undefined) return mant;
  const e = Number(exp);
  // Prefer plain notation for moderate exponents.
  if (e >= -6 && e <= 20) {
    const plain = Number(s).toString();
    if (!/e/i.test(plain)) return plain;
  }
  return `${mant}e${e}`;
}

export class WaveError extends Error {}

class Parser {
  constructor(text) {
    this.s = text;
    this.i = 0;
  }

  fail(msg) {
    throw new WaveError(`${msg} at offset ${this.i} in ${JSON.stringify(this.s)}`);
  }

  ws() {
    for (;;) {
      while (this.i < this.s.length && /[ \t\n\r]/.test(this.s[this.i])) this.i++;
      if (this.s.startsWith("//", this.i)) {
        const nl = this.s.indexOf("\n", this.i);
        this.i = nl < 0 ? this.s.length : nl + 1;
        continue;
      }
      return;
    }
  }

  peek() {
    this.ws();
    return this.s[this.i];
  }

  eat(ch) {
    if (this.peek() === ch) { this.i++; return true; }
    return false;
  }

  expect(ch) {
    if (!this.eat(ch)) this.fail(`expected '${ch}'`);
  }

  label() {
    this.ws();
    const m = /^%?[a-zA-Z][a-zA-Z0-9]*(?:-[a-zA-Z][a-zA-Z0-9]*)*/.exec(this.s.slice(this.i));
    if (!m) this.fail("expected a label");
    this.i += m[0].length;
    return m[0];
  }

  // Reads the body of a quoted char/string after the opening quote. With
  // quote === null, reads to the end of the text and allows line breaks
  // (the body of a multiline string).
  quoted(quote) {
    let out = "";
    for (;;) {
      if (this.i >= this.s.length) {
        if (quote === null) return out;
        this.fail("unterminated literal");
      }
      const ch = this.s[this.i];
      if (ch === quote) { this.i++; return out; }
      if (ch === "\n" && quote !== null) this.fail("newline in literal");
      if (ch !== "\\") {
        const cp = this.s.codePointAt(this.i);
        const c = String.fromCodePoint(cp);
        out += c;
        this.i += c.length;
        continue;
      }
      const e = this.s[this.i + 1];
      this.i += 2;
      switch (e) {
        case "\\": out += "\\"; break;
        case "'": out += "'"; break;
        case '"': out += '"'; break;
        case "n": out += "\n"; break;
        case "t": out += "\t"; break;
        case "r": out += "\r"; break;
        case "u": {
          const m = /^\{([0-9a-fA-F]+)\}/.exec(this.s.slice(this.i));
          if (!m) this.fail("bad \\u escape");
          const cp = parseInt(m[1], 16);
          if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) this.fail("\\u escape is not a Unicode scalar value");
          out += String.fromCodePoint(cp);
          this.i += m[0].length;
          break;
        }
        default: this.fail(`bad escape \\${e}`);
      }
    }
  }

  // value, followed by nothing or a separator (the caller checks).
  value() {
    const c = this.peek();
    if (c === undefined) this.fail("expected a value");
    if (c === '"') {
      if (this.s.startsWith('"""', this.i)) return { k: "str", value: this.multiline() };
      this.i++;
      return { k: "str", value: this.quoted('"') };
    }
    if (c === "'") {
      this.i++;
      const v = this.quoted("'");
      if ([...v].length !== 1) this.fail("a char literal holds exactly one character");
      return { k: "char", value: v };
    }
    if (c === "(") {
      this.i++;
      return { k: "tuple", items: this.seq(")") };
    }
    if (c === "[") {
      this.i++;
      return { k: "list", items: this.seq("]") };
    }
    if (c === "{") return this.braces();
    const num = /^(?:-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|nan|inf|-inf)(?![a-zA-Z0-9-])/.exec(this.s.slice(this.i));
    if (num) {
      this.i += num[0].length;
      return { k: "num", text: num[0] };
    }
    const name = this.label();
    // escaped: written with %, so never a keyword (true, none, ok, ...).
    const node = { k: "case", name: name.replace(/^%/, ""), escaped: name.startsWith("%") };
    if (this.peek() === "(") {
      this.i++;
      const items = this.seq(")");
      if (items.length !== 1) this.fail(`case ${name} takes one payload value`);
      node.payload = items[0];
    }
    return node;
  }

  multiline() {
    // """\n lines... \n   """ : the closing line's indentation is stripped.
    const start = this.i + 3;
    const end = this.s.indexOf('"""', start);
    if (end < 0) this.fail("unterminated multiline string");
    const body = this.s.slice(start, end);
    const lines = body.split(/\r?\n/);
    if (lines[0].trim() !== "") this.fail("multiline string must start with a line break");
    const indent = lines[lines.length - 1];
    if (!/^ *$/.test(indent)) this.fail("bad multiline string closing line");
    const inner = lines.slice(1, -1).map((l) => {
      if (!l.startsWith(indent) && l.trim() !== "") this.fail("bad multiline string indentation");
      return l.slice(indent.length);
    });
    const text = new Parser(inner.join("\n")).quoted(null);
    this.i = end + 3;
    return text;
  }

  // Comma-separated values up to `close`; a trailing comma is allowed.
  seq(close) {
    const items = [];
    if (this.eat(close)) return items;
    for (;;) {
      items.push(this.value());
      if (this.eat(close)) return items;
      this.expect(",");
      if (this.eat(close)) return items;
    }
  }

  // {} flags or record: {a, b} or {a: v, b: w}.
  braces() {
    this.expect("{");
    if (this.eat("}")) return { k: "flags", names: [] };
    const first = this.label();
    if (this.eat(":")) {
      const fields = [[first.replace(/^%/, ""), this.value()]];
      for (;;) {
        if (this.eat("}")) break;
        this.expect(",");
        if (this.eat("}")) break;
        const l = this.label();
        this.expect(":");
        fields.push([l.replace(/^%/, ""), this.value()]);
      }
      return { k: "record", fields };
    }
    const names = [first.replace(/^%/, "")];
    for (;;) {
      if (this.eat("}")) break;
      this.expect(",");
      if (this.eat("}")) break;
      names.push(this.label().replace(/^%/, ""));
    }
    return { k: "flags", names };
  }

  end() {
    this.ws();
    if (this.i !== this.s.length) this.fail("unexpected trailing text");
  }
}

export function parseValue(text) {
  const p = new Parser(text);
  const v = p.value();
  p.end();
  return v;
}

// "name(arg, ...)": the name is everything before the first "(", trimmed
// (so it may be a plain label or an interface path like "ns:pkg/iface#f").
export function parseFuncCall(text) {
  const open = text.indexOf("(");
  if (open < 0) throw new WaveError(`expected NAME(ARGS...) in ${JSON.stringify(text)}`);
  const name = text.slice(0, open).trim();
  if (!name) throw new WaveError(`missing function name in ${JSON.stringify(text)}`);
  const p = new Parser(text);
  p.i = open + 1;
  const args = p.seq(")");
  p.end();
  return { name, args };
}

// Untyped node -> WAVE text (the inverse of parseValue).
export function printNode(node) {
  switch (node.k) {
    case "num": return node.text;
    case "char": return waveChar(node.value);
    case "str": return waveString(node.value);
    case "case": {
      const name = node.escaped ? `%${node.name}` : node.name;
      return node.payload ? `${name}(${printNode(node.payload)})` : name;
    }
    case "tuple": return `(${node.items.map(printNode).join(", ")})`;
    case "list": return `[${node.items.map(printNode).join(", ")}]`;
    case "flags": return `{${node.names.map(waveLabel).join(", ")}}`;
    case "record": return `{${node.fields.map(([n, v]) => `${waveLabel(n)}: ${printNode(v)}`).join(", ")}}`;
  }
  throw new WaveError(`unknown node kind ${node.k}`);
}
