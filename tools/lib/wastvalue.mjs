// Values in .wast scripts (invoke arguments, expected results) converted to
// JSON constants.
//
// Component values, e.g. (u32.const 42), (str.const "hi"),
// (record.const (field "a" u32.const 1)), become
//   { type: "wave", value: "<WAVE text>", source: "<the s-expression>" }
// Core values (i32.const ...) use wast2json's form:
//   { type: "i32", value: "<unsigned decimal bits>" }
import { isAtom, strText, SexprError } from "./sexpr.mjs";
import { waveString, waveChar, waveLabel, waveF32, waveF64 } from "./wave.mjs";

// Parses a wast integer literal: optional sign, decimal or 0x hex, "_" separators.
export function parseIntLiteral(text) {
  const m = /^([+-]?)(0x[0-9a-fA-F](?:_?[0-9a-fA-F])*|[0-9](?:_?[0-9])*)$/.exec(text);
  if (!m) return null;
  const v = BigInt(m[2].replace(/_/g, ""));
  return m[1] === "-" ? -v : v;
}

// Parses a wast float literal to { value: Number } or { nan: "canonical" |
// "arithmetic" | payload BigInt, negative }. Returns null if malformed.
export function parseFloatLiteral(text, bits) {
  const t = text.replace(/_/g, "");
  const m = /^([+-]?)(.*)$/.exec(t);
  const neg = m[1] === "-";
  const body = m[2];
  if (body === "inf") return { value: neg ? -Infinity : Infinity };
  if (body === "nan") return { nan: "default", negative: neg, value: NaN };
  if (body === "nan:canonical" || body === "nan:arithmetic")
    return { nan: body.slice(4), negative: neg, value: NaN };
  let mm = /^nan:0x([0-9a-fA-F]+)$/.exec(body);
  if (mm) return { nan: BigInt("0x" + mm[1]), negative: neg, value: NaN };
  mm = /^0x([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?[0-9]+))?$/.exec(body);
  if (mm) {
    const int = mm[1] || "", frac = mm[2] || "";
    if (!int && !frac) return null;
    const mant = BigInt("0x" + (int + frac || "0"));
    const exp = Number(mm[3] || 0) - 4 * frac.length;
    let v = scaleBigInt(mant, exp);
    if (bits === 32) v = Math.fround(v);
    return { value: neg ? -v : v };
  }
  if (/^[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?$/.test(body)) {
    let v = Number(body);
    if (bits === 32) v = Math.fround(v);
    return { value: neg ? -v : v };
  }
  return null;
}

// mant * 2^exp as a double, rounding once at the end for normal results.
function scaleBigInt(mant, exp) {
  if (mant === 0n) return 0;
  // Keep 64 significant bits, folding the rest into a sticky bit.
  const len = mant.toString(2).length;
  if (len > 64) {
    const drop = BigInt(len - 64);
    const sticky = (mant & ((1n << drop) - 1n)) !== 0n ? 1n : 0n;
    mant = (mant >> drop) | sticky;
    exp += Number(drop);
  }
  let v = Number(mant);
  // Apply the exponent in steps that stay within the double range.
  while (exp > 0) { const s = Math.min(exp, 1000); v *= 2 ** s; exp -= s; }
  while (exp < 0) { const s = Math.max(exp, -1000); v *= 2 ** s; exp -= s; }
  return v;
}

const INT_RANGES = {
  u8: [0n, 0xffn], s8: [-0x80n, 0x7fn],
  u16: [0n, 0xffffn], s16: [-0x8000n, 0x7fffn],
  u32: [0n, 0xffffffffn], s32: [-0x80000000n, 0x7fffffffn],
  u64: [0n, 0xffffffffffffffffn], s64: [-0x8000000000000000n, 0x7fffffffffffffffn],
};

export class ValueError extends SexprError {}

function fail(msg, node) {
  throw new ValueError(msg, node?.line);
}

function one(args, kw, node) {
  if (args.length !== 1) fail(`${kw} takes one operand`, node);
  return args[0];
}

// A value written either as one parenthesized form or inline as the rest
// of the enclosing list ("(field "a" u32.const 1)").
function valueOfItems(items, where) {
  if (items.length === 1 && items[0].t === "list") return componentWave(items[0]);
  if (items.length >= 1 && items[0].t === "atom") return waveOf(items[0].text, items.slice(1), where);
  fail("expected a value", where);
}

// A parenthesized component value -> WAVE text.
export function componentWave(node) {
  if (node.t !== "list" || !isAtom(node.items[0])) fail("expected a value form", node);
  return waveOf(node.items[0].text, node.items.slice(1), node);
}

function waveOf(kw, args, node) {
  const type = kw.replace(/\.(const|none|some|ok|err)$/, "");
  if (kw in { "option.none": 1, "option.some": 1, "result.ok": 1, "result.err": 1 }) {
    const tag = kw.split(".")[1];
    if (tag === "none") {
      if (args.length) fail("option.none takes no operand", node);
      return "none";
    }
    if (tag === "some" && args.length === 0) fail("option.some needs a value", node);
    return args.length ? `${tag}(${valueOfItems(args, node)})` : tag;
  }
  if (!kw.endsWith(".const")) fail(`unknown value form ${kw}`, node);
  if (type in INT_RANGES) {
    const a = one(args, kw, node);
    const v = isAtom(a) ? parseIntLiteral(a.text) : null;
    if (v === null) fail(`bad ${type} literal`, node);
    const [lo, hi] = INT_RANGES[type];
    if (v < lo || v > hi) fail(`${type} literal out of range`, node);
    return v.toString();
  }
  switch (type) {
    case "bool": {
      const a = one(args, kw, node);
      if (!isAtom(a, "true") && !isAtom(a, "false")) fail("bool.const takes true or false", node);
      return a.text;
    }
    case "f32":
    case "f64": {
      const a = one(args, kw, node);
      const f = isAtom(a) ? parseFloatLiteral(a.text, type === "f32" ? 32 : 64) : null;
      if (!f) fail(`bad ${type} literal`, node);
      if (f.nan !== undefined) return "nan";
      return type === "f32" ? waveF32(f.value) : waveF64(f.value);
    }
    case "char": {
      const s = strText(one(args, kw, node));
      if ([...s].length !== 1) fail("char.const takes exactly one character", node);
      return waveChar(s);
    }
    case "str":
      return waveString(strText(one(args, kw, node)));
    case "list":
      return `[${args.map(componentWave).join(", ")}]`;
    case "tuple":
      return `(${args.map(componentWave).join(", ")})`;
    case "record": {
      const fields = args.map((f) => {
        if (f.t !== "list" || !isAtom(f.items[0], "field") || f.items.length < 3)
          fail('expected (field "name" VALUE)', f);
        return `${waveLabel(strText(f.items[1]))}: ${valueOfItems(f.items.slice(2), f)}`;
      });
      return `{${fields.join(", ")}}`;
    }
    case "variant": {
      if (args.length < 1) fail("variant.const needs a case name", node);
      const name = waveLabel(strText(args[0]));
      return args.length > 1 ? `${name}(${valueOfItems(args.slice(1), node)})` : name;
    }
    case "enum":
      return waveLabel(strText(one(args, kw, node)));
    case "flags":
      return `{${args.map((a) => waveLabel(strText(a))).join(", ")}}`;
  }
  fail(`unsupported value form ${kw}`, node);
}

// (type.const X) for core wasm types, in wast2json's JSON form.
function coreConst(node) {
  const kw = node.items[0].text;
  const type = kw.slice(0, 3);
  const a = node.items[1];
  if (node.items.length !== 2 || !isAtom(a)) fail(`${kw} takes one operand`, node);
  if (type === "i32" || type === "i64") {
    const bits = type === "i32" ? 32n : 64n;
    const v = parseIntLiteral(a.text);
    if (v === null || v >= 1n << bits || v < -(1n << (bits - 1n))) fail(`bad ${type} literal`, node);
    return { type, value: BigInt.asUintN(Number(bits), v).toString() };
  }
  const f = parseFloatLiteral(a.text, type === "f32" ? 32 : 64);
  if (!f) fail(`bad ${type} literal`, node);
  if (typeof f.nan === "string" && f.nan !== "default") return { type, value: `nan:${f.nan}` };
  return { type, value: floatBits(f, type).toString() };
}

function floatBits(f, type) {
  const buf = new DataView(new ArrayBuffer(8));
  if (f.nan !== undefined) {
    const sign = f.negative ? 1n : 0n;
    if (type === "f32") {
      const payload = typeof f.nan === "bigint" ? f.nan : 0x400000n;
      return (sign << 31n) | (0xffn << 23n) | payload;
    }
    const payload = typeof f.nan === "bigint" ? f.nan : 0x8000000000000n;
    return (sign << 63n) | (0x7ffn << 52n) | payload;
  }
  if (type === "f32") {
    buf.setFloat32(0, f.value, true);
    return BigInt(buf.getUint32(0, true));
  }
  buf.setFloat64(0, f.value, true);
  return buf.getBigUint64(0, true);
}

// One argument or expected value. i32/i64 constants are core values;
// f32/f64 constants are component values unless `core` is set (the action
// targets a core module); every other form is a component value.
export function convertValue(node, source, core = false) {
  if (node.t !== "list" || !isAtom(node.items[0])) fail("expected a value form", node);
  const kw = node.items[0].text;
  if (kw === "i32.const" || kw === "i64.const" || (core && (kw === "f32.const" || kw === "f64.const")))
    return coreConst(node);
  return { type: "wave", value: componentWave(node), source: source.slice(node.start, node.end) };
}
