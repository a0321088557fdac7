import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseParser, type SseFrame } from '../../src/usage/sse.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const b = (s: string): Uint8Array => enc.encode(s);

interface Plain {
  event: string | null;
  data: string;
  raw: string;
  oversized: boolean;
  tail: string;
  start: number;
  end: number;
}
const plain = (f: SseFrame): Plain => ({ ...f, raw: dec.decode(f.raw) });

/** Feeds `parts` (strings or bytes) one push each, then end(). */
function parse(parts: (string | Uint8Array)[], maxEventBytes = 1 << 20): Plain[] {
  const p = new SseParser({ maxEventBytes });
  const frames: SseFrame[] = [];
  for (const part of parts) frames.push(...p.push(typeof part === 'string' ? b(part) : part));
  frames.push(...p.end());
  return frames.map(plain);
}

/** Splits bytes at the given cut points. */
function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

const frame = (start: number, raw: string, data: string, event: string | null = null): Plain => ({
  event,
  data,
  raw,
  oversized: false,
  tail: '',
  start,
  end: start + b(raw).length,
});

describe('SseParser examples', () => {
  it('parses one event with its exact bytes and offsets', () => {
    expect(parse(['data: hello\n\n'])).toEqual([frame(0, 'data: hello\n\n', 'hello')]);
  });

  it('handles \\r\\n and \\r line endings', () => {
    expect(parse(['data: a\r\n\r\ndata: b\r\rdata: c\n\n'])).toEqual([
      frame(0, 'data: a\r\n\r\n', 'a'),
      frame(11, 'data: b\r\r', 'b'),
      frame(20, 'data: c\n\n', 'c'),
    ]);
  });

  it('joins data lines with \\n and removes exactly one leading space', () => {
    expect(parse(['data: one\ndata:two\ndata:  three\ndata\n\n'])[0]?.data).toBe('one\ntwo\n three\n');
  });

  it('reads the event name, ignores id/retry/unknown fields and comments', () => {
    const raw = ': ping\nid: 7\nretry: 100\nevent: response.output_text.delta\nfoo: bar\ndata: {"delta":"Hi"}\n\n';
    expect(parse([raw])).toEqual([frame(0, raw, '{"delta":"Hi"}', 'response.output_text.delta')]);
  });

  it('reports comment-only blocks and stray blank lines as frames of their own (every byte is accounted for)', () => {
    expect(parse([': keep-alive\n\n\ndata: x\n\n'])).toEqual([
      frame(0, ': keep-alive\n\n', ''),
      frame(14, '\n', ''),
      frame(15, 'data: x\n\n', 'x'),
    ]);
  });

  it('reassembles an event split inside a multi-byte UTF-8 character', () => {
    const bytes = b('data: {"content":"h€llo 😀"}\n\n');
    const euro = bytes.indexOf(0xe2);
    const emoji = bytes.indexOf(0xf0);
    const frames = parse([bytes.subarray(0, euro + 1), bytes.subarray(euro + 1, emoji + 2), bytes.subarray(emoji + 2)]);
    expect(frames).toEqual([frame(0, 'data: {"content":"h€llo 😀"}\n\n', '{"content":"h€llo 😀"}')]);
  });

  it('holds an event whose blank line ends in \\r until it knows whether \\n follows', () => {
    const p = new SseParser({ maxEventBytes: 1000 });
    expect(p.push(b('data: a\r\n\r'))).toEqual([]);
    const frames = p.push(b('\ndata: b\r\n\r\n')).map(plain);
    expect(frames).toEqual([frame(0, 'data: a\r\n\r\n', 'a'), frame(11, 'data: b\r\n\r\n', 'b')]);
  });

  it('emits the held \\r-terminated event on the next push when no \\n follows', () => {
    const p = new SseParser({ maxEventBytes: 1000 });
    expect(p.push(b('data: a\r\r'))).toEqual([]);
    expect(p.push(b('data: b\r\r')).map(plain)).toEqual([frame(0, 'data: a\r\r', 'a')]);
    expect(p.end().map(plain)).toEqual([frame(9, 'data: b\r\r', 'b')]);
  });

  it('splits between \\r and \\n of a data line', () => {
    expect(parse(['data: a\r', '\n\r\n'])).toEqual([frame(0, 'data: a\r\n\r\n', 'a')]);
  });

  it('end() flushes a trailing event without its blank line, even without a final newline', () => {
    expect(parse(['data: a\n\ndata: [DONE]\n'])).toEqual([frame(0, 'data: a\n\n', 'a'), frame(9, 'data: [DONE]\n', '[DONE]')]);
    expect(parse(['data: a\n\ndata: [DO', 'NE]'])).toEqual([frame(0, 'data: a\n\n', 'a'), frame(9, 'data: [DONE]', '[DONE]')]);
  });

  it('end() returns nothing when the stream ended on an event boundary', () => {
    const p = new SseParser({ maxEventBytes: 100 });
    p.push(b('data: a\n\n'));
    expect(p.end()).toEqual([]);
  });

  it('ignores empty chunks', () => {
    expect(parse(['', 'data: a\n', '', '\n', ''])).toEqual([frame(0, 'data: a\n\n', 'a')]);
  });

  it('reports an event over maxEventBytes once, without its data, and parses on after it', () => {
    const big = `data: ${'x'.repeat(100)}\n\n`;
    const frames = parse(['data: a\n\n', big.slice(0, 30), big.slice(30), 'data: b\n\n'], 20);
    expect(frames).toEqual([
      frame(0, 'data: a\n\n', 'a'),
      { event: null, data: '', raw: '', oversized: true, tail: big.slice(-20), start: 9, end: 9 + big.length },
      frame(9 + big.length, 'data: b\n\n', 'b'),
    ]);
  });

  it('counts the terminating blank line towards the limit', () => {
    expect(parse(['data: abc\n\n'], 11)[0]?.oversized).toBe(false);
    expect(parse(['data: abc\n\n'], 10)[0]?.oversized).toBe(true);
    expect(parse(['data: abc\r', '\n\r\n'], 12)[0]?.oversized).toBe(true);
    expect(parse(['data: abc\r', '\n\r\n'], 13)[0]?.oversized).toBe(false);
  });

  it('does not retain an oversized event: memory stays bounded while it streams', () => {
    const p = new SseParser({ maxEventBytes: 64 });
    const chunk = b('x'.repeat(1000));
    expect(p.push(b('data: '))).toEqual([]);
    for (let i = 0; i < 1000; i++) expect(p.push(chunk)).toEqual([]);
    const frames = p.push(b('\n\ndata: ok\n\n'));
    expect(frames.map((f) => [f.oversized, f.data, f.raw.length])).toEqual([
      [true, '', 0],
      [false, 'ok', 10],
    ]);
  });

  it('keeps the event name and the last bytes of an oversized event (usage sits at the end of response.completed)', () => {
    const data = JSON.stringify({ type: 'response.completed', response: { output: [{ result: 'A'.repeat(50_000) }], usage: { input_tokens: 3 } } });
    const raw = `event: response.completed\ndata: ${data}\n\n`;
    const bytes = b(raw);
    const frames = parse(splitAt(bytes, [7, 30, 1000, 40_000, bytes.length - 3]), 4096);
    expect(frames).toEqual([
      { event: 'response.completed', data: '', raw: '', oversized: true, tail: raw.slice(-4096), start: 0, end: bytes.length },
    ]);
    // the tail is capped at 16 KiB even when the limit is higher
    expect(parse([raw], 40_000)[0]?.tail).toBe(raw.slice(-16 * 1024));
  });

  it('reads event names after the limit was passed, but ignores event lines over 256 bytes', () => {
    const big = `data: ${'x'.repeat(100)}\nevent: late\n\n`;
    expect(parse([big], 50)[0]).toMatchObject({ oversized: true, event: 'late' });
    expect(parse([`event: ${'e'.repeat(300)}\ndata: 1\n\n`])[0]).toMatchObject({ oversized: false, event: null, data: '1' });
  });

  it('rejects a non-positive limit', () => {
    expect(() => new SseParser({ maxEventBytes: 0 })).toThrow(RangeError);
  });
});

// Streams made of SSE-ish pieces so that the interesting boundaries (CR/LF pairs, colons,
// multi-byte characters, blank lines) come up often.
const piece = fc.constantFrom(
  'data: ',
  'data:',
  'event: ',
  'event:x',
  ': c',
  'id: 1',
  '\n',
  '\r',
  '\r\n',
  '\n\n',
  '{"a":1}',
  '[DONE]',
  ' ',
  'é',
  '😀',
  'abc',
);
const sseText = fc.array(piece, { maxLength: 60 }).map((ps) => ps.join(''));
const streamBytes = fc.oneof(
  sseText.map((s) => b(s)),
  fc.uint8Array({ maxLength: 300 }),
  fc.array(fc.constantFrom(10, 13, 58, 32, 100, 0xc3, 0xa9, 0xf0, 0x9f), { maxLength: 200 }).map((a) => Uint8Array.from(a)),
);
const cuts = fc.array(fc.nat(), { maxLength: 30 });
const limit = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constant(1 << 20));

describe('SseParser properties', () => {
  it('gives the same frames however the stream is split into chunks', () => {
    fc.assert(
      fc.property(streamBytes, cuts, limit, (bytes, cutPoints, max) => {
        const whole = parse([bytes], max);
        const split = parse(splitAt(bytes, cutPoints), max);
        expect(split).toEqual(whole);
      }),
      { numRuns: 1500 },
    );
  });

  it('frames tile the stream: offsets are contiguous and raw bytes are the stream bytes', () => {
    fc.assert(
      fc.property(streamBytes, cuts, limit, (bytes, cutPoints, max) => {
        const p = new SseParser({ maxEventBytes: max });
        const frames: SseFrame[] = [];
        for (const c of splitAt(bytes, cutPoints)) frames.push(...p.push(c));
        frames.push(...p.end());
        let at = 0;
        for (const f of frames) {
          expect(f.start).toBe(at);
          expect(f.end).toBeGreaterThan(f.start);
          if (f.oversized) {
            expect(f.end - f.start).toBeGreaterThan(max);
            expect(f.raw.length).toBe(0);
            expect(b(f.tail).length).toBeLessThanOrEqual(3 * Math.min(max, 16 * 1024)); // U+FFFD may replace a cut byte
            expect(f.tail).toBe(dec.decode(bytes.subarray(Math.max(f.start, f.end - Math.min(max, 16 * 1024)), f.end)));
          } else {
            expect(f.raw.length).toBeLessThanOrEqual(max);
            expect(Buffer.from(f.raw).equals(Buffer.from(bytes.subarray(f.start, f.end)))).toBe(true);
          }
          at = f.end;
        }
        expect(at).toBe(bytes.length);
      }),
      { numRuns: 1500 },
    );
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 20 }), limit, (chunks, max) => {
        const p = new SseParser({ maxEventBytes: max });
        for (const c of chunks) p.push(c);
        p.end();
      }),
    );
  });

  it('agrees with a simple reference parser on data and event names', () => {
    fc.assert(
      fc.property(sseText, cuts, (text, cutPoints) => {
        const frames = parse(splitAt(b(text), cutPoints)).filter((f) => f.raw.length > 0);
        expect(frames.map((f) => [f.event, f.data])).toEqual(referenceParse(text));
      }),
      { numRuns: 1000 },
    );
  });
});

/** Straightforward string-level SSE parsing, the way the spec describes it (plus end-of-stream flush). */
function referenceParse(text: string): [string | null, string][] {
  const lines = text.split(/\r\n|\r|\n/);
  const endsWithTerminator = /[\r\n]$/.test(text);
  if (endsWithTerminator || text === '') lines.pop(); // split leaves an empty tail after a final terminator
  const out: [string | null, string][] = [];
  let event: string | null = null;
  let data: string[] = [];
  let pending = false;
  for (const line of lines) {
    if (line === '') {
      out.push([event, data.join('\n')]);
      event = null;
      data = [];
      pending = false;
      continue;
    }
    pending = true;
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') data.push(value);
    else if (name === 'event') event = value;
  }
  if (pending) out.push([event, data.join('\n')]);
  return out;
}
