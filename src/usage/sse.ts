/**
 * Incremental, byte-level Server-Sent Events parser.
 *
 * Written here rather than taken from a library because the meter needs what parsers built for
 * consumers throw away: the exact bytes and stream offsets of every event (including comments and
 * stray blank lines), so that one event (the usage chunk Tollgate asked for on the client's behalf)
 * can be cut out of the stream while every other byte passes through untouched.
 *
 * Frames tile the stream: each byte belongs to exactly one frame, frames[i].end === frames[i+1].start.
 * A frame is everything up to and including the blank line that ends an event; a blank line with no
 * fields before it is a frame of its own (data "", event null).
 *
 * Memory: bytes of an incomplete event are kept as views of the pushed chunks (no copying until the
 * event completes). An event larger than maxEventBytes is dropped as soon as it grows past the
 * limit and reported once, at its end, with oversized: true, no data or raw bytes, but with its
 * event name and the last few KiB of its bytes (`tail`): a Responses API `response.completed`
 * repeats the whole output (base64 images included) and still ends with the usage we need.
 */

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const EMPTY = new Uint8Array(0);
const decoder = new TextDecoder(); // whole lines only (or the tail), so split UTF-8 never reaches it
/** `event:` lines longer than this are ignored, so names survive an oversized event at no memory cost. */
const EVENT_LINE_MAX = 256;
/** Bytes kept from the end of an oversized event. */
const TAIL_MAX = 16 * 1024;

export interface SseFrame {
  /** Value of the last `event:` field (lines up to 256 bytes), or null. Kept for oversized events too. */
  event: string | null;
  /** `data:` field values joined with "\n" ("" when none or oversized). */
  data: string;
  /** Exact bytes of the frame including its terminating blank line; empty when oversized. May be a view of a pushed chunk. */
  raw: Uint8Array;
  oversized: boolean;
  /** Oversized events only: the last min(16 KiB, maxEventBytes) bytes, decoded. "" otherwise. */
  tail: string;
  /** Stream offsets: the frame is bytes [start, end) of everything pushed. */
  start: number;
  end: number;
}

export interface SseParserOptions {
  maxEventBytes: number;
}

export class SseParser {
  readonly #max: number;
  #pos = 0; // stream offset just past the last pushed byte
  #eventStart = 0;
  #stored = 0; // bytes of the current event in earlier chunks (counted even when oversized)
  #rawParts: Uint8Array[] = []; // while oversized: only the last #tailMax bytes (see #keep)
  #rawLen = 0;
  #lineParts: Uint8Array[] = []; // current line's bytes from earlier chunks, no terminator
  #lineLen = 0;
  #dataLines: string[] = [];
  #eventType: string | null = null;
  #oversized = false;
  readonly #tailMax: number;
  #afterCR = false; // the last pushed byte was a CR: a leading LF in the next chunk completes it
  #held = false; // ...and that CR ended a blank line, so the event waits to learn whether an LF follows

  constructor(opts: SseParserOptions) {
    if (!Number.isSafeInteger(opts.maxEventBytes) || opts.maxEventBytes < 1) {
      throw new RangeError(`maxEventBytes must be a positive integer, got ${String(opts.maxEventBytes)}`);
    }
    this.#max = opts.maxEventBytes;
    this.#tailMax = Math.min(TAIL_MAX, opts.maxEventBytes);
  }

  push(chunk: Uint8Array): SseFrame[] {
    const frames: SseFrame[] = [];
    const n = chunk.length;
    if (n === 0) return frames;
    const base = this.#pos;
    this.#pos += n;
    let i = 0;
    let segStart = 0; // start in `chunk` of current-event bytes not yet in #rawParts
    if (this.#afterCR) {
      this.#afterCR = false;
      if (chunk[0] === LF) i = 1;
      if (this.#held) {
        this.#held = false;
        this.#dispatch(frames, chunk, 0, i, base + i);
        segStart = i;
      }
    }
    let lineStart = i;
    let nextLF = chunk.indexOf(LF, i);
    let nextCR = chunk.indexOf(CR, i);
    for (;;) {
      // Cached search positions keep the scan linear in the chunk size.
      if (nextLF !== -1 && nextLF < i) nextLF = chunk.indexOf(LF, i);
      if (nextCR !== -1 && nextCR < i) nextCR = chunk.indexOf(CR, i);
      if (nextLF === -1 && nextCR === -1) break;
      const t = nextLF === -1 ? nextCR : nextCR === -1 ? nextLF : Math.min(nextLF, nextCR);
      let termEnd = t + 1;
      if (chunk[t] === CR) {
        if (t + 1 === n) this.#afterCR = true;
        else if (chunk[t + 1] === LF) termEnd = t + 2;
      }
      if (!this.#oversized && this.#stored + (termEnd - segStart) > this.#max) this.#overflow();
      if (this.#lineLen + (t - lineStart) === 0) {
        if (this.#afterCR) this.#held = true; // completes on the next push or at end()
        else {
          this.#dispatch(frames, chunk, segStart, termEnd, base + termEnd);
          segStart = termEnd;
        }
      } else {
        const len = this.#lineLen + (t - lineStart);
        if (!this.#oversized || len <= EVENT_LINE_MAX) this.#line(chunk.subarray(lineStart, t), len);
        this.#lineParts = [];
        this.#lineLen = 0;
      }
      i = lineStart = termEnd;
    }
    if (lineStart < n) {
      this.#lineLen += n - lineStart;
      if (!this.#oversized || this.#lineLen <= EVENT_LINE_MAX) this.#lineParts.push(chunk.subarray(lineStart, n));
      else this.#lineParts = [];
    }
    if (segStart < n) {
      this.#stored += n - segStart;
      if (!this.#oversized && this.#stored > this.#max) this.#overflow();
      this.#keep(chunk.subarray(segStart, n));
    }
    return frames;
  }

  /** Flushes an event cut off before its blank line (its last line may lack a terminator). */
  end(): SseFrame[] {
    const frames: SseFrame[] = [];
    this.#afterCR = false;
    if (this.#held) {
      this.#held = false;
      this.#dispatch(frames, EMPTY, 0, 0, this.#pos);
      return frames;
    }
    if (this.#stored === 0) return frames;
    if (this.#lineLen > 0 && (!this.#oversized || this.#lineLen <= EVENT_LINE_MAX)) this.#line(EMPTY, this.#lineLen);
    this.#dispatch(frames, EMPTY, 0, 0, this.#pos);
    return frames;
  }

  /**
   * One complete non-blank line of `len` bytes: #lineParts then `rest`. Once the event is oversized
   * only `event:` lines are read (callers pass only short lines then).
   */
  #line(rest: Uint8Array, len: number): void {
    const first = this.#lineParts[0] ?? rest;
    if (first[0] === COLON) return; // comment (keep-alives): no need to decode
    const bytes = this.#lineParts.length === 0 ? rest : concat([...this.#lineParts, rest], len);
    const line = decoder.decode(bytes);
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') {
      if (!this.#oversized) this.#dataLines.push(value);
    } else if (name === 'event' && len <= EVENT_LINE_MAX) {
      this.#eventType = value;
    } // id, retry and unknown fields do not matter here
  }

  /** The event outgrew the limit: drop its data, keep only the last bytes from now on. */
  #overflow(): void {
    this.#oversized = true;
    this.#dataLines = [];
    if (this.#lineLen > EVENT_LINE_MAX) this.#lineParts = [];
    this.#trimTail();
  }

  /** Appends bytes of the current event: all of them while it fits, the last #tailMax once oversized. */
  #keep(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#rawParts.push(bytes);
    this.#rawLen += bytes.length;
    if (this.#oversized) this.#trimTail();
  }

  #trimTail(): void {
    while (this.#rawLen > this.#tailMax) {
      const first = this.#rawParts[0]!;
      const excess = this.#rawLen - this.#tailMax;
      if (first.length <= excess) {
        this.#rawParts.shift();
        this.#rawLen -= first.length;
      } else {
        this.#rawParts[0] = first.subarray(excess);
        this.#rawLen -= excess;
      }
    }
  }

  #dispatch(frames: SseFrame[], chunk: Uint8Array, from: number, to: number, end: number): void {
    const total = this.#stored + (to - from);
    if (!this.#oversized && total > this.#max) this.#overflow();
    const start = this.#eventStart;
    if (this.#oversized) {
      this.#keep(chunk.subarray(from, to));
      const tail = decoder.decode(concat(this.#rawParts, this.#rawLen));
      frames.push({ event: this.#eventType, data: '', raw: EMPTY, oversized: true, tail, start, end });
    } else {
      const last = chunk.subarray(from, to);
      const raw = this.#rawParts.length === 0 ? last : concat([...this.#rawParts, last], total);
      frames.push({ event: this.#eventType, data: this.#dataLines.join('\n'), raw, oversized: false, tail: '', start, end });
    }
    this.#eventStart = end;
    this.#stored = 0;
    this.#rawParts = [];
    this.#rawLen = 0;
    this.#lineParts = [];
    this.#lineLen = 0;
    this.#dataLines = [];
    this.#eventType = null;
    this.#oversized = false;
  }
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
