// S-expression reader for the WebAssembly text format and .wast scripts.
//
// read(text) returns the top-level nodes. Each node carries its source span
// (start/end offsets into `text`, end exclusive) and the 1-based line of its
// first character:
//   { t: "list", items: [...], start, end, line }
//   { t: "atom", text, start, end, line }        keywords, $ids, numbers
//   { t: "str", bytes: Uint8Array, start, end, line }
// A quoted identifier $"..." is an atom whose text is "$" + the decoded name.
// Comments (";; ..." and nested "(; ... ;)") are skipped.

export class SexprError extends Error {
  constructor(message, line) {
    super(line ? `line ${line}: ${message}` : message);
    this.line = line;
  }
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder("utf-8", { fatal: true });

function isSpace(c) {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

// Characters that end an atom.
function isDelimiter(c) {
  return isSpace(c) || c === 0x28 || c === 0x29 || c === 0x22 || c === 0x3b;
}

export function read(text) {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0x0a) lineStarts.push(i + 1);
  const lineOf = (pos) => {
    let lo = 0, hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= pos) lo = mid; else hi = mid - 1;
    }
    return lo + 1;
  };

  let pos = 0;
  const n = text.length;

  function skipTrivia() {
    for (;;) {
      while (pos < n && isSpace(text.charCodeAt(pos))) pos++;
      if (text.startsWith(";;", pos)) {
        const nl = text.indexOf("\n", pos);
        pos = nl < 0 ? n : nl + 1;
        continue;
      }
      if (text.startsWith("(;", pos)) {
        const open = pos;
        let depth = 0;
        while (pos < n) {
          if (text.startsWith("(;", pos)) { depth++; pos += 2; }
          else if (text.startsWith(";)", pos)) { depth--; pos += 2; if (depth === 0) break; }
          else pos++;
        }
        if (depth !== 0) throw new SexprError("unterminated block comment", lineOf(open));
        continue;
      }
      return;
    }
  }

  // Reads a string literal at pos (which is at the opening quote); returns bytes.
  function readString() {
    const open = pos;
    pos++;
    const out = [];
    for (;;) {
      if (pos >= n) throw new SexprError("unterminated string", lineOf(open));
      const ch = text[pos];
      if (ch === '"') { pos++; break; }
      if (ch === "\n") throw new SexprError("newline in string", lineOf(pos));
      if (ch !== "\\") {
        // Copy one code point as UTF-8.
        const cp = text.codePointAt(pos);
        const s = String.fromCodePoint(cp);
        for (const b of utf8.encode(s)) out.push(b);
        pos += s.length;
        continue;
      }
      const e = text[pos + 1];
      pos += 2;
      switch (e) {
        case "t": out.push(0x09); break;
        case "n": out.push(0x0a); break;
        case "r": out.push(0x0d); break;
        case '"': out.push(0x22); break;
        case "'": out.push(0x27); break;
        case "\\": out.push(0x5c); break;
        case "u": {
          const m = /^\{([0-9a-fA-F](?:_?[0-9a-fA-F])*)\}/.exec(text.slice(pos, pos + 16));
          if (!m) throw new SexprError("bad \\u escape", lineOf(pos));
          const cp = parseInt(m[1].replace(/_/g, ""), 16);
          if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
            throw new SexprError("\\u escape is not a Unicode scalar value", lineOf(pos));
          for (const b of utf8.encode(String.fromCodePoint(cp))) out.push(b);
          pos += m[0].length;
          break;
        }
        default: {
          const h = text.slice(pos - 1, pos + 1);
          if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new SexprError(`bad escape \\${e}`, lineOf(pos - 2));
          out.push(parseInt(h, 16));
          pos += 1;
        }
      }
    }
    return Uint8Array.from(out);
  }

  function readNode() {
    const start = pos;
    const c = text.charCodeAt(pos);
    if (c === 0x28) {
      pos++;
      const items = [];
      for (;;) {
        skipTrivia();
        if (pos >= n) throw new SexprError("unbalanced parenthesis", lineOf(start));
        if (text.charCodeAt(pos) === 0x29) { pos++; break; }
        items.push(readNode());
      }
      return { t: "list", items, start, end: pos, line: lineOf(start) };
    }
    if (c === 0x29) throw new SexprError("unexpected )", lineOf(pos));
    if (c === 0x22) {
      const bytes = readString();
      return { t: "str", bytes, start, end: pos, line: lineOf(start) };
    }
    if (c === 0x24 && text.charCodeAt(pos + 1) === 0x22) {
      pos++;
      const bytes = readString();
      let name;
      try { name = utf8Strict.decode(bytes); }
      catch { throw new SexprError("quoted identifier is not UTF-8", lineOf(start)); }
      return { t: "atom", text: "$" + name, start, end: pos, line: lineOf(start) };
    }
    while (pos < n && !isDelimiter(text.charCodeAt(pos))) pos++;
    if (pos === start) throw new SexprError(`unexpected character ${JSON.stringify(text[pos])}`, lineOf(pos));
    return { t: "atom", text: text.slice(start, pos), start, end: pos, line: lineOf(start) };
  }

  const nodes = [];
  for (;;) {
    skipTrivia();
    if (pos >= n) break;
    nodes.push(readNode());
  }
  return nodes;
}

export const isList = (node, head) =>
  node?.t === "list" && (head === undefined || (node.items[0]?.t === "atom" && node.items[0].text === head));
export const isAtom = (node, text) => node?.t === "atom" && (text === undefined || node.text === text);
export const isId = (node) => node?.t === "atom" && node.text.startsWith("$");
export const headOf = (node) => (node?.t === "list" && node.items[0]?.t === "atom" ? node.items[0].text : undefined);

// Decodes a string node as UTF-8; throws on invalid UTF-8.
export function strText(node) {
  if (node?.t !== "str") throw new SexprError("expected a string", node?.line);
  try { return utf8Strict.decode(node.bytes); }
  catch { throw new SexprError("string is not valid UTF-8", node.line); }
}
