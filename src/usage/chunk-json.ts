/**
 * Small, exact operations on the JSON text of stream chunks, for the stream meter: parsing a data
 * payload safely, removing one member without re-serialising (so every other byte stays as the
 * upstream sent it), and finding the usage at the end of an event too big to parse whole.
 */

export type Json = Record<string, unknown>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseObject(data: string): Json | null {
  try {
    const v: unknown = JSON.parse(data);
    return isRecord(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * The last `"usage": {...}` object holding token counts in a piece of JSON text (the end of an
 * event too big to parse whole), or null.
 */
export function usageFromTail(tail: string): Record<string, unknown> | null {
  let key = tail.length;
  for (let tries = 0; tries < 8 && key > 0; tries++) {
    key = tail.lastIndexOf('"usage"', key - 1);
    if (key === -1) break;
    const open = /^\s*:\s*\{/.exec(tail.slice(key + 7, key + 40));
    if (open === null) continue;
    const obj = balancedObject(tail, key + 7 + open[0].length - 1);
    if (obj !== null && (typeof obj.input_tokens === 'number' || typeof obj.prompt_tokens === 'number')) return obj;
  }
  return null;
}

/** Parses the JSON object that starts at `from` (a "{"), if it is complete. */
function balancedObject(text: string, from: number): Json | null {
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return parseObject(text.slice(from, i + 1));
  }
  return null;
}

// `"usage":null` as a member: preceded by a comma and followed by , or }, or the first member.
// A match cannot lie inside a JSON string, where every quote is escaped. The last match is taken:
// the top-level member follows `choices` in every server's output.
const NULL_USAGE_MEMBER = /,[ \t]*"usage"[ \t]*:[ \t]*null(?=[ \t]*[,}])|(?<=\{[ \t]*)"usage"[ \t]*:[ \t]*null(?=[ \t]*[,}])[ \t]*(?:,[ \t]*)?/g;

/** The frame's bytes without its `"usage":null` member; null when there is none to remove. */
export function withoutNullUsage(raw: Uint8Array): Uint8Array | null {
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1'); // 1 char per byte
  let m: RegExpExecArray | null = null;
  for (const found of text.matchAll(NULL_USAGE_MEMBER)) m = found;
  if (m === null) return null;
  return Buffer.from(text.slice(0, m.index) + text.slice(m.index + m[0].length), 'latin1');
}
