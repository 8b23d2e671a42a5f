// Component values between WAVE and the JavaScript values of jco's bindings,
// driven by the component-level type (structural types from lib/wit.mjs).
//
// jco's mapping (jco 1.35 transpile):
//   bool -> boolean; u8..u32, s8..s32, f32, f64 -> number; u64, s64 -> bigint
//   char, string -> string; enum -> case name (kebab-case string)
//   list<T> -> Array, or a typed array for numeric T (Uint8Array, ...)
//   tuple -> Array; record -> object with lowerCamelCase field names
//   flags -> object {lowerCamelCaseFlag: boolean}
//   variant -> {tag: "case-name", val?}
//   option<T> -> T | undefined, except when T is itself an option: then
//                {tag: "none"} | {tag: "some", val}
//   result<T, E> -> {tag: "ok" | "err", val?}; as a function's own result
//                the ok payload is returned and err is thrown as
//                ComponentError(payload) (see liftReturn/lowerArgs users).
import { waveString, waveChar, waveLabel, waveF32, waveF64, printNode } from "./wave.mjs";

export class ValueTypeError extends Error {}

export function camel(name) {
  const words = name.split("-");
  return words
    .map((w, i) => (i === 0 ? w.toLowerCase() : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()))
    .join("");
}

const INT_RANGE = {
  u8: [0n, 0xffn], s8: [-0x80n, 0x7fn], u16: [0n, 0xffffn], s16: [-0x8000n, 0x7fffn],
  u32: [0n, 0xffffffffn], s32: [-0x80000000n, 0x7fffffffn],
  u64: [0n, 0xffffffffffffffffn], s64: [-0x8000000000000000n, 0x7fffffffffffffffn],
};

const TYPED_ARRAY = {
  u8: Uint8Array, s8: Int8Array, u16: Uint16Array, s16: Int16Array,
  u32: Uint32Array, s32: Int32Array, u64: BigUint64Array, s64: BigInt64Array,
  f32: Float32Array, f64: Float64Array,
};

function describe(node) {
  return printNode(node);
}

// `resolve` maps a type to its structural form (follows named references).
export function makeConverter(resolve) {
  const R = (t) => resolve(t);

  function bad(node, t, why) {
    const what = t.name ? `${t.k} ${t.name}` : t.k;
    throw new ValueTypeError(`${describe(node)} is not a valid ${what}${why ? `: ${why}` : ""}`);
  }

  const isKeyword = (node, name) => node.k === "case" && !node.escaped && node.name === name;

  // WAVE node -> JS value.
  function lower(node, type) {
    const t = R(type);
    switch (t.k) {
      case "bool":
        if (isKeyword(node, "true") && !node.payload) return true;
        if (isKeyword(node, "false") && !node.payload) return false;
        return bad(node, t);
      case "u8": case "s8": case "u16": case "s16": case "u32": case "s32": case "u64": case "s64": {
        if (node.k !== "num" || !/^-?[0-9]+$/.test(node.text)) return bad(node, t);
        const v = BigInt(node.text);
        const [lo, hi] = INT_RANGE[t.k];
        if (v < lo || v > hi) return bad(node, t, "out of range");
        return t.k === "u64" || t.k === "s64" ? v : Number(v);
      }
      case "f32": case "f64": {
        if (node.k !== "num") return bad(node, t);
        const v = node.text === "nan" ? NaN : node.text === "inf" ? Infinity : node.text === "-inf" ? -Infinity : Number(node.text);
        return t.k === "f32" ? Math.fround(v) : v;
      }
      case "char":
        if (node.k !== "char") return bad(node, t);
        return node.value;
      case "string":
        if (node.k !== "str") return bad(node, t);
        return node.value;
      case "list": {
        if (node.k !== "list") return bad(node, t);
        if (t.len !== undefined && node.items.length !== t.len) return bad(node, t, `expected ${t.len} elements`);
        const elems = node.items.map((n) => lower(n, t.elem));
        const TA = TYPED_ARRAY[R(t.elem).k];
        return TA ? TA.from(elems) : elems;
      }
      case "tuple":
        if (node.k !== "tuple" || node.items.length !== t.items.length) return bad(node, t);
        return node.items.map((n, i) => lower(n, t.items[i]));
      case "record": {
        if (node.k !== "record") return bad(node, t);
        const given = new Map(node.fields);
        const out = {};
        for (const [name, ft] of t.fields) {
          if (!given.has(name)) {
            // WAVE allows leaving out fields whose type is an option.
            if (R(ft).k === "option") { out[camel(name)] = lowerNone(ft); continue; }
            return bad(node, t, `missing field ${name}`);
          }
          out[camel(name)] = lower(given.get(name), ft);
          given.delete(name);
        }
        if (given.size) return bad(node, t, `unknown field ${[...given.keys()][0]}`);
        return out;
      }
      case "variant": {
        if (node.k !== "case") return bad(node, t);
        const c = t.cases.find(([n]) => n === node.name);
        if (!c) return bad(node, t, `no case ${node.name}`);
        if (!c[1] !== !node.payload) return bad(node, t, c[1] ? "case needs a payload" : "case takes no payload");
        return c[1] ? { tag: c[0], val: lower(node.payload, c[1]) } : { tag: c[0] };
      }
      case "enum":
        if (node.k !== "case" || node.payload || !t.cases.includes(node.name)) return bad(node, t);
        return node.name;
      case "flags": {
        if (node.k !== "flags") return bad(node, t);
        const out = {};
        for (const n of t.names) out[camel(n)] = false;
        for (const n of node.names) {
          if (!t.names.includes(n)) return bad(node, t, `no flag ${n}`);
          out[camel(n)] = true;
        }
        return out;
      }
      case "option": {
        const nested = R(t.inner).k === "option";
        if (isKeyword(node, "none") && !node.payload) return nested ? { tag: "none" } : undefined;
        // some(x), or a bare x ("flat some") when x cannot be read as none/some.
        const inner = isKeyword(node, "some") && node.payload ? node.payload : node;
        const v = lower(inner, t.inner);
        return nested ? { tag: "some", val: v } : v;
      }
      case "result": {
        for (const tag of ["ok", "err"]) {
          if (isKeyword(node, tag)) {
            const pt = t[tag];
            if (!pt !== !node.payload) return bad(node, t, pt ? `${tag} needs a payload` : `${tag} takes no payload`);
            return pt ? { tag, val: lower(node.payload, pt) } : { tag };
          }
        }
        // A bare value is ok(value) ("flat ok").
        if (t.ok) return { tag: "ok", val: lower(node, t.ok) };
        return bad(node, t);
      }
    }
    throw new ValueTypeError(`values of type ${t.k} are not supported yet`);
  }

  function lowerNone(type) {
    const t = R(type);
    return R(t.inner).k === "option" ? { tag: "none" } : undefined;
  }

  // JS value -> WAVE text.
  function lift(v, type) {
    const t = R(type);
    const need = (ok, what) => {
      if (!ok) throw new ValueTypeError(`expected ${what} for ${t.k}${t.name ? " " + t.name : ""}, got ${typeof v} ${String(v)}`);
    };
    switch (t.k) {
      case "bool": need(typeof v === "boolean", "a boolean"); return String(v);
      case "u8": case "s8": case "u16": case "s16": case "u32": case "s32":
        need(typeof v === "number" && Number.isInteger(v), "an integer"); return String(v);
      case "u64": case "s64":
        need(typeof v === "bigint", "a bigint"); return v.toString();
      case "f32": need(typeof v === "number", "a number"); return waveF32(v);
      case "f64": need(typeof v === "number", "a number"); return waveF64(v);
      case "char": need(typeof v === "string" && [...v].length === 1, "one character"); return waveChar(v);
      case "string": need(typeof v === "string", "a string"); return waveString(v);
      case "list": {
        need(Array.isArray(v) || ArrayBuffer.isView(v), "an array");
        return `[${Array.from(v, (x) => lift(x, t.elem)).join(", ")}]`;
      }
      case "tuple":
        need(Array.isArray(v) && v.length === t.items.length, "an array");
        return `(${t.items.map((it, i) => lift(v[i], it)).join(", ")})`;
      case "record":
        need(v && typeof v === "object", "an object");
        return `{${t.fields.map(([n, ft]) => `${waveLabel(n)}: ${lift(v[camel(n)], ft)}`).join(", ")}}`;
      case "variant": {
        need(v && typeof v === "object" && typeof v.tag === "string", "a {tag, val} object");
        const c = t.cases.find(([n]) => n === v.tag);
        need(c, `a case of ${t.cases.map(([n]) => n).join("|")}`);
        return c[1] ? `${waveLabel(c[0])}(${lift(v.val, c[1])})` : waveLabel(c[0]);
      }
      case "enum":
        need(t.cases.includes(v), `one of ${t.cases.join("|")}`);
        return waveLabel(v);
      case "flags":
        need(v && typeof v === "object", "an object");
        return `{${t.names.filter((n) => v[camel(n)]).map(waveLabel).join(", ")}}`;
      case "option": {
        if (R(t.inner).k === "option") {
          need(v && typeof v === "object" && (v.tag === "some" || v.tag === "none"), "a {tag} object");
          return v.tag === "none" ? "none" : `some(${lift(v.val, t.inner)})`;
        }
        return v === undefined || v === null ? "none" : `some(${lift(v, t.inner)})`;
      }
      case "result": {
        need(v && typeof v === "object" && (v.tag === "ok" || v.tag === "err"), "a {tag} object");
        const pt = t[v.tag];
        return pt ? `${v.tag}(${lift(v.val, pt)})` : v.tag;
      }
    }
    throw new ValueTypeError(`values of type ${t.k} are not supported yet`);
  }

  return { lower, lift };
}
