import { describe, expect, it } from 'vitest';
import { parseObject, usageFromTail, withoutNullUsage } from '../../src/usage/chunk-json.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

describe('usageFromTail', () => {
  it.each([
    ['..."output":[],"usage":{"input_tokens":5,"input_tokens_details":{"cached_tokens":1},"output_tokens":2},"user":null}}', { input_tokens: 5, input_tokens_details: { cached_tokens: 1 }, output_tokens: 2 }],
    ['xx","usage" : { "prompt_tokens": 3 }, "metadata": {"usage": "text"}}', { prompt_tokens: 3 }],
    ['"usage":{"input_tokens":1}, "metadata":{"usage":{"note":"x"}}}', { input_tokens: 1 }],
  ])('finds the usage in %s', (tail, expected) => {
    expect(usageFromTail(tail)).toEqual(expected);
  });

  it.each(['', 'no usage here', '"usage":null}', '"usage":{"input_tokens":5', '"usage":{"input_tokens":"5"}}'])('returns null for %j', (tail) => {
    expect(usageFromTail(tail)).toBeNull();
  });
});

describe('withoutNullUsage', () => {
  it.each([
    ['data: {"a":1,"usage":null}\n\n', 'data: {"a":1}\n\n'],
    ['data: {"a":1,"usage":null,"obfuscation":"x"}\n\n', 'data: {"a":1,"obfuscation":"x"}\n\n'],
    ['data: {"usage":null,"a":1}\n\n', 'data: {"a":1}\n\n'],
    ['data: {"usage" : null}\r\n\r\n', 'data: {}\r\n\r\n'],
    // the last member wins over an (unusual) nested one; strings are never touched
    ['data: {"x":{"usage":null},"t":"\\"usage\\":null","usage":null}\n\n', 'data: {"x":{"usage":null},"t":"\\"usage\\":null"}\n\n'],
    ['data: {"t":"é😀","usage":null}\n\n', 'data: {"t":"é😀"}\n\n'],
  ])('%j -> %j', (input, output) => {
    const r = withoutNullUsage(enc.encode(input));
    expect(r && dec.decode(r)).toBe(output);
  });

  it.each(['data: {"a":1}\n\n', 'data: {"usage":{"prompt_tokens":1}}\n\n', 'data: {"t":"\\"usage\\":null"}\n\n', 'data: {"usage":nullx}\n\n'])(
    'returns null when there is no member to remove: %j',
    (input) => {
      expect(withoutNullUsage(enc.encode(input))).toBeNull();
    },
  );
});

describe('parseObject', () => {
  it.each(['', '[1]', 'null', '"s"', '{bad', '42'])('returns null for %j', (text) => {
    expect(parseObject(text)).toBeNull();
  });
  it('parses objects', () => {
    expect(parseObject('{"a":[1]}')).toEqual({ a: [1] });
  });
});
