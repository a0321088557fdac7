import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createStreamMeter, type StreamEndpoint, type StreamResult } from '../../src/usage/stream-meter.ts';
import type { Usage } from '../../src/usage/types.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const b = (s: string): Uint8Array => enc.encode(s);

const ev = (obj: unknown, eol = '\n'): string => `data: ${JSON.stringify(obj)}${eol}${eol}`;
const DONE = 'data: [DONE]\n\n';
/** What the client would have got without include_usage: no `"usage":null` members. */
const direct = (s: string): string => s.replaceAll(',"usage":null', '');

const usage = (input: number, cached: number, output: number, reasoning = 0): Usage => ({
  inputTokens: input,
  cachedTokens: cached,
  cacheWriteTokens: 0,
  outputTokens: output,
  reasoningTokens: reasoning,
});

interface Run {
  out: string;
  outBytes: Uint8Array;
  result: StreamResult;
  perWrite: string[];
}

function run(
  endpoint: StreamEndpoint,
  chunks: (string | Uint8Array)[],
  opts: Partial<{ stripUsageChunk: boolean; maxEventBytes: number; maxTextChars: number }> = {},
): Run {
  const meter = createStreamMeter(endpoint, { stripUsageChunk: false, maxEventBytes: 1 << 20, maxTextChars: 1 << 20, ...opts });
  const parts: Uint8Array[] = [];
  const perWrite: string[] = [];
  for (const c of chunks) {
    const out = meter.write(typeof c === 'string' ? b(c) : c);
    parts.push(...out);
    perWrite.push(dec.decode(Buffer.concat(out)));
  }
  const { out, result } = meter.end();
  parts.push(...out);
  const outBytes = Buffer.concat(parts);
  return { out: dec.decode(outBytes), outBytes, result, perWrite };
}

// --- fixtures shaped like real upstream output -------------------------------------------------

const openaiBase = { id: 'chatcmpl-B9x', object: 'chat.completion.chunk', created: 1730000000, model: 'gpt-4o-2024-08-06', system_fingerprint: 'fp_50cad350e4', service_tier: 'default' };
const openaiChunk = (delta: object, finish: string | null = null) =>
  ev({ ...openaiBase, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null, obfuscation: 'k3Jd' });
const openaiUsage = ev({
  ...openaiBase,
  choices: [],
  usage: {
    prompt_tokens: 2048,
    completion_tokens: 300,
    total_tokens: 2348,
    prompt_tokens_details: { cached_tokens: 1792, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  },
  obfuscation: 'x',
});
const openaiStream = [
  openaiChunk({ role: 'assistant', content: '', refusal: null }),
  openaiChunk({ content: 'Hello' }),
  openaiChunk({ content: ', world' }),
  openaiChunk({}, 'stop'),
];

describe('chat.completions streams', () => {
  it('passes chunks through untouched and immediately when not stripping', () => {
    const meter = createStreamMeter('chat.completions', { stripUsageChunk: false, maxEventBytes: 1 << 20, maxTextChars: 1000 });
    const chunk = b(openaiStream[0]!.slice(0, 10));
    const out = meter.write(chunk);
    expect(out).toHaveLength(1);
    expect(out[0]).toBe(chunk);
  });

  it('reads usage, model and text from an OpenAI stream with include_usage', () => {
    const all = [...openaiStream, openaiUsage, DONE].join('');
    const r = run('chat.completions', [all]);
    expect(r.out).toBe(all);
    expect(r.result).toEqual({
      usage: usage(2048, 1792, 300),
      clamped: false,
      model: 'gpt-4o-2024-08-06',
      sawDone: true,
      sawTerminal: true,
      errored: false,
      outputText: 'Hello, world',
    });
  });

  it('removes exactly the injected usage chunk when stripping', () => {
    const all = [...openaiStream, openaiUsage, DONE].join('');
    const r = run('chat.completions', [all], { stripUsageChunk: true });
    expect(r.out).toBe(direct([...openaiStream, DONE].join('')));
    expect(r.out).not.toContain('"usage"');
    expect(r.out).toContain('"obfuscation":"k3Jd"');
    expect(r.result.usage).toEqual(usage(2048, 1792, 300));
    expect(r.result.sawDone).toBe(true);
  });

  it('forwards each event as soon as it completes and holds only an incomplete tail', () => {
    const e0 = openaiStream[0]!;
    const e1 = openaiStream[1]!;
    const r = run('chat.completions', [e0 + e1.slice(0, 20), e1.slice(20), openaiUsage.slice(0, 30), openaiUsage.slice(30), DONE], {
      stripUsageChunk: true,
    });
    expect(r.perWrite).toEqual([direct(e0), direct(e1), '', '', DONE]);
  });

  it('keeps Azure content-filter chunks with empty choices (usage null, id "", model "")', () => {
    const promptFilter = ev({
      choices: [],
      created: 0,
      id: '',
      model: '',
      object: '',
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: { hate: { filtered: false, severity: 'safe' } } }],
    });
    const content = ev({
      choices: [{ content_filter_results: {}, delta: { content: 'Hi' }, finish_reason: null, index: 0, logprobs: null }],
      created: 1730000000,
      id: 'chatcmpl-az',
      model: 'gpt-4o-2024-11-20',
      object: 'chat.completion.chunk',
      system_fingerprint: 'fp_az',
      usage: null,
    });
    const usageChunk = ev({ choices: [], created: 1730000000, id: 'chatcmpl-az', model: 'gpt-4o-2024-11-20', object: 'chat.completion.chunk', usage: { prompt_tokens: 12, completion_tokens: 1, total_tokens: 13 } });
    const r = run('chat.completions', [promptFilter, content, usageChunk, DONE], { stripUsageChunk: true });
    expect(r.out).toBe(promptFilter + direct(content) + DONE);
    expect(r.result.model).toBe('gpt-4o-2024-11-20');
    expect(r.result.usage).toEqual(usage(12, 0, 1));
  });

  it('takes the last of vLLM cumulative usage reports, never their sum, and keeps chunks with choices intact', () => {
    const chunk = (text: string, n: number) =>
      ev({ id: 'cmpl-v', object: 'chat.completion.chunk', model: 'meta-llama/Llama-3.1-8B-Instruct', choices: [{ index: 0, delta: { content: text } }], usage: { prompt_tokens: 20, completion_tokens: n, total_tokens: 20 + n } });
    const last = ev({ id: 'cmpl-v', object: 'chat.completion.chunk', model: 'meta-llama/Llama-3.1-8B-Instruct', choices: [], usage: { prompt_tokens: 20, completion_tokens: 3, total_tokens: 23 } });
    const stream = [chunk('a', 1), chunk('b', 2), chunk('c', 3)];
    const r = run('chat.completions', [...stream, last, DONE], { stripUsageChunk: true });
    expect(r.result.usage).toEqual(usage(20, 0, 3));
    expect(r.out).toBe(stream.join('') + DONE);
    // without the final usage-only chunk the last cumulative report still counts
    expect(run('chat.completions', [...stream, DONE]).result.usage).toEqual(usage(20, 0, 3));
  });

  it('handles llama.cpp usage with timings on the final chunk', () => {
    const final = ev({
      choices: [{ finish_reason: 'stop', index: 0, delta: {} }],
      created: 1730000000,
      id: 'chatcmpl-ll',
      model: 'gpt-3.5-turbo',
      object: 'chat.completion.chunk',
      usage: { completion_tokens: 5, prompt_tokens: 11, total_tokens: 16 },
      timings: { prompt_n: 11, prompt_ms: 40.1, predicted_n: 5, predicted_ms: 80.2 },
    });
    const r = run('chat.completions', [openaiChunk({ content: 'yo' }), final, DONE], { stripUsageChunk: true });
    expect(r.result.usage).toEqual(usage(11, 0, 5));
    expect(r.out).toBe(direct(openaiChunk({ content: 'yo' })) + final + DONE); // choices not empty: kept as is
  });

  it('collects reasoning and tool-call text for estimation', () => {
    const r = run('chat.completions', [
      openaiChunk({ reasoning_content: 'think ' }),
      openaiChunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      openaiChunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      openaiChunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      openaiChunk({}, 'tool_calls'),
    ]);
    expect(r.result.outputText).toBe('think get_weather{"city":"Paris"}');
    expect(r.result.usage).toBeNull();
    expect(r.result.sawTerminal).toBe(false);
  });

  it('caps the collected text at maxTextChars', () => {
    const r = run('chat.completions', [openaiChunk({ content: 'abcdef' }), openaiChunk({ content: 'ghij' })], { maxTextChars: 8 });
    expect(r.result.outputText).toBe('abcdefgh');
  });

  it('flags an error event mid-stream', () => {
    const err = ev({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } });
    const r = run('chat.completions', [openaiChunk({ content: 'Hel' }), err]);
    expect(r.result).toMatchObject({ errored: true, sawTerminal: false, sawDone: false, usage: null, outputText: 'Hel' });
    expect(r.out).toBe(openaiChunk({ content: 'Hel' }) + err);
  });

  it('reports a cut stream: no terminal, no usage, the text so far, all bytes forwarded', () => {
    const all = openaiStream.join('');
    const cut = all.slice(0, all.length - 25);
    const partial = openaiStream[3]!.slice(0, -25); // unparseable, so passed as it came
    expect(cut).toBe(openaiStream.slice(0, 3).join('') + partial);
    for (const strip of [false, true]) {
      const r = run('chat.completions', [cut.slice(0, 100), cut.slice(100)], { stripUsageChunk: strip });
      expect(r.out).toBe(strip ? direct(openaiStream.slice(0, 3).join('')) + partial : cut);
      expect(r.result).toMatchObject({ usage: null, sawTerminal: false, sawDone: false, errored: false, outputText: 'Hello, world' });
    }
  });

  it('ignores garbage lines and invalid JSON, passing them through', () => {
    const junk = 'data: {not json\n\nretry: 10\n\ngarbage line\n\ndata: "a string"\n\ndata: 42\n\n: comment\n\n';
    const r = run('chat.completions', [junk, openaiUsage, DONE], { stripUsageChunk: true });
    expect(r.out).toBe(junk + DONE);
    expect(r.result.usage).toEqual(usage(2048, 1792, 300));
  });

  it('reports terminated once [DONE] has been parsed', () => {
    const meter = createStreamMeter('chat.completions', { stripUsageChunk: false, maxEventBytes: 1000, maxTextChars: 1000 });
    meter.write(b(openaiChunk({ content: 'x' })));
    expect(meter.terminated).toBe(false);
    meter.write(b('data: [DO'));
    expect(meter.terminated).toBe(false);
    meter.write(b('NE]\n\n'));
    expect(meter.terminated).toBe(true);
  });

  it('handles \\r\\n line endings', () => {
    const all = [openaiChunk({ content: 'a' }).replaceAll('\n', '\r\n'), openaiUsage.replaceAll('\n', '\r\n'), 'data: [DONE]\r\n\r\n'];
    const r = run('chat.completions', all.join('').split(''), { stripUsageChunk: true });
    expect(r.out).toBe(direct(all[0]!) + all[2]!);
    expect(r.result.usage).toEqual(usage(2048, 1792, 300));
  });

  it('removes "usage":null wherever the member sits, and leaves everything else byte for byte', () => {
    const cases = [
      ['data: {"id":"a","usage":null,"choices":[{"delta":{"content":"\\"usage\\":null"}}]}\n\n', 'data: {"id":"a","choices":[{"delta":{"content":"\\"usage\\":null"}}]}\n\n'],
      ['data: {"usage": null, "choices": [{"delta": {"content": "x"}}]}\n\n', 'data: {"choices": [{"delta": {"content": "x"}}]}\n\n'],
      ['data: {"choices": [{"delta": {"content": "x"}}], "usage" : null }\n\n', 'data: {"choices": [{"delta": {"content": "x"}}] }\n\n'],
    ] as const;
    for (const [input, expected] of cases) {
      const r = run('chat.completions', [input], { stripUsageChunk: true });
      expect(r.out).toBe(expected);
      expect(JSON.parse(r.out.slice(6))).toEqual(Object.fromEntries(Object.entries(JSON.parse(input.slice(6)) as object).filter(([k]) => k !== 'usage')));
    }
    // not stripping: untouched
    expect(run('chat.completions', [cases[0][0]]).out).toBe(cases[0][0]);
  });

  it('flags clamped usage', () => {
    const bad = ev({ choices: [], usage: { prompt_tokens: 10, prompt_tokens_details: { cached_tokens: 50 }, completion_tokens: 2 } });
    expect(run('chat.completions', [bad, DONE]).result).toMatchObject({ usage: usage(10, 10, 2), clamped: true });
  });

  it('passes an event larger than maxEventBytes through without holding it whole', () => {
    const big = openaiChunk({ content: 'x'.repeat(500) });
    const meter = createStreamMeter('chat.completions', { stripUsageChunk: true, maxEventBytes: 100, maxTextChars: 1000 });
    const forwarded: number[] = [];
    for (let i = 0; i < big.length; i += 50) forwarded.push(Buffer.concat(meter.write(b(big.slice(i, i + 50)))).length);
    // held while it might still be the usage chunk; once past 100 bytes it flows on every write
    expect(forwarded.slice(0, 2)).toEqual([0, 0]);
    expect(forwarded.slice(2).every((n) => n > 0)).toBe(true);
    expect(forwarded.reduce((x, y) => x + y, 0)).toBe(b(big).length);
    const rest = [...meter.write(b(openaiUsage)), ...meter.write(b(DONE)), ...meter.end().out];
    expect(dec.decode(Buffer.concat(rest))).toContain(DONE);
  });
});

describe('completions streams', () => {
  it('reads Ollama zero usage until the last chunk', () => {
    const chunk = (text: string, u: object, finish: string | null = null) =>
      ev({ id: 'cmpl-686', object: 'text_completion', created: 1730000000, model: 'llama3.2', system_fingerprint: 'fp_ollama', choices: [{ text, index: 0, finish_reason: finish }], usage: u });
    const zero = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    const r = run('completions', [chunk('Once', zero), chunk(' upon', zero), chunk('', { prompt_tokens: 26, completion_tokens: 2, total_tokens: 28 }, 'stop'), DONE]);
    expect(r.result).toMatchObject({ usage: usage(26, 0, 2), model: 'llama3.2', outputText: 'Once upon', sawDone: true });
  });
});

describe('responses streams', () => {
  const response = (status: string, u: object | null) => ({
    id: 'resp_67c',
    object: 'response',
    created_at: 1741290958,
    status,
    model: 'gpt-5-2025-08-07',
    output: [],
    usage: u,
  });
  const named = (type: string, body: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...body })}\n\n`;
  const finalUsage = { input_tokens: 3000, input_tokens_details: { cached_tokens: 2048 }, output_tokens: 500, output_tokens_details: { reasoning_tokens: 320 }, total_tokens: 3500 };
  const events = [
    named('response.created', { sequence_number: 0, response: response('in_progress', null) }),
    named('response.in_progress', { sequence_number: 1, response: response('in_progress', null) }),
    named('response.reasoning_summary_text.delta', { sequence_number: 2, item_id: 'rs_1', output_index: 0, summary_index: 0, delta: 'Plan. ' }),
    named('response.output_text.delta', { sequence_number: 3, item_id: 'msg_1', output_index: 1, content_index: 0, delta: 'Hi' }),
    named('response.output_text.delta', { sequence_number: 4, item_id: 'msg_1', output_index: 1, content_index: 0, delta: ' there' }),
    named('response.output_text.done', { sequence_number: 5, item_id: 'msg_1', output_index: 1, content_index: 0, text: 'Hi there' }),
  ];

  it('reads usage from response.completed and never strips anything', () => {
    const completed = named('response.completed', { sequence_number: 6, response: response('completed', finalUsage) });
    const r = run('responses', [...events, completed], { stripUsageChunk: true });
    expect(r.out).toBe(events.join('') + completed);
    expect(r.result).toEqual({
      usage: usage(3000, 2048, 500, 320),
      clamped: false,
      model: 'gpt-5-2025-08-07',
      sawDone: false,
      sawTerminal: true,
      errored: false,
      outputText: 'Plan. Hi there',
    });
  });

  it('treats response.incomplete as terminal with usage', () => {
    const r = run('responses', [...events, named('response.incomplete', { sequence_number: 6, response: response('incomplete', finalUsage) })]);
    expect(r.result).toMatchObject({ sawTerminal: true, errored: false, usage: usage(3000, 2048, 500, 320) });
  });

  it('treats response.failed as terminal and errored', () => {
    const r = run('responses', [...events, named('response.failed', { sequence_number: 6, response: response('failed', finalUsage) })]);
    expect(r.result).toMatchObject({ sawTerminal: true, errored: true, usage: usage(3000, 2048, 500, 320) });
  });

  it('flags an error event and a cut stream', () => {
    const r = run('responses', [...events, named('error', { sequence_number: 6, code: 'server_error', message: 'boom', param: null })]);
    expect(r.result).toMatchObject({ sawTerminal: false, errored: true, usage: null, outputText: 'Plan. Hi there' });
  });

  it('accepts data: [DONE] from compatible servers, and event names without a type field', () => {
    const r = run('responses', [
      'event: response.output_text.delta\ndata: {"delta":"x"}\n\n',
      'event: response.completed\ndata: {"response":{"model":"qwen","usage":{"input_tokens":3,"output_tokens":1}}}\n\n',
      DONE,
    ]);
    expect(r.result).toMatchObject({ sawDone: true, sawTerminal: true, model: 'qwen', usage: usage(3, 0, 1), outputText: 'x' });
  });

  it('reads the terminal event and its usage even when response.completed exceeds maxEventBytes', () => {
    const image = 'iVBORw0KGgo'.repeat(20_000); // base64 image in an image_generation_call output
    const big = (type: string, status: string) =>
      named(type, {
        sequence_number: 9,
        response: {
          ...response(status, finalUsage),
          output: [{ type: 'image_generation_call', id: 'ig_1', status: 'completed', result: image }],
          usage: finalUsage,
          user: null,
          metadata: { usage: 'not this one' },
        },
      });
    const completed = big('response.completed', 'completed');
    const r = run('responses', [events[0]!, completed.slice(0, 70_000), completed.slice(70_000)], { maxEventBytes: 64 * 1024 });
    expect(b(completed).length).toBeGreaterThan(64 * 1024);
    expect(r.out).toBe(events[0]! + completed);
    expect(r.result).toMatchObject({ sawTerminal: true, errored: false, usage: usage(3000, 2048, 500, 320), model: 'gpt-5-2025-08-07' });

    const failed = run('responses', [big('response.failed', 'failed')], { maxEventBytes: 64 * 1024 });
    expect(failed.result).toMatchObject({ sawTerminal: true, errored: true, usage: usage(3000, 2048, 500, 320) });

    // an oversized non-terminal event is not mistaken for the end
    const delta = run('responses', [named('response.output_text.delta', { delta: 'x'.repeat(100_000) })], { maxEventBytes: 64 * 1024 });
    expect(delta.result).toMatchObject({ sawTerminal: false, usage: null });
  });

  it('collects function-call argument deltas', () => {
    const r = run('responses', [named('response.function_call_arguments.delta', { sequence_number: 1, item_id: 'fc_1', output_index: 0, delta: '{"q":1}' })]);
    expect(r.result.outputText).toBe('{"q":1}');
  });
});

// --- properties ---------------------------------------------------------------------------------

const eventKind = fc.constantFrom('content', 'azureFilter', 'comment', 'garbage', 'blank', 'vllm');
const render = (kind: string, i: number, eol: string): string => {
  switch (kind) {
    case 'content':
      return ev({ ...openaiBase, choices: [{ index: 0, delta: { content: `t${i}é😀` }, finish_reason: null }], usage: null }, eol);
    case 'azureFilter':
      return ev({ choices: [], id: '', model: '', prompt_filter_results: [] }, eol);
    case 'comment':
      return `: keep-alive${eol}${eol}`;
    case 'garbage':
      return `data: {oops${eol}${eol}`;
    case 'blank':
      return eol;
    default:
      return ev({ choices: [{ index: 0, delta: { content: 'v' } }], usage: { prompt_tokens: 5, completion_tokens: i } }, eol);
  }
};
const streamCase = fc.record({
  kinds: fc.array(eventKind, { maxLength: 12 }),
  usageAt: fc.nat(),
  eol: fc.constantFrom('\n', '\r\n', '\r'),
  done: fc.boolean(),
  cuts: fc.array(fc.nat(), { maxLength: 25 }),
});

function buildStream(c: { kinds: string[]; usageAt: number; eol: string; done: boolean }) {
  const events = c.kinds.map((k, i) => render(k, i, c.eol));
  const usageEvent = ev({ ...openaiBase, choices: [], usage: { prompt_tokens: 100, completion_tokens: 7, total_tokens: 107 } }, c.eol);
  const at = c.usageAt % (events.length + 1);
  const parts = [...events.slice(0, at), usageEvent, ...events.slice(at), ...(c.done ? [`data: [DONE]${c.eol}${c.eol}`] : [])];
  // usage is the last report seen: a vLLM-style chunk after the usage event wins
  const lastVllm = c.kinds.lastIndexOf('vllm');
  const expectedUsage = lastVllm >= at ? usage(5, 0, lastVllm) : usage(100, 0, 7);
  /** The stripped stream: events within the limit lose the usage chunk and their "usage":null. */
  const stripped = (max: number): string =>
    parts.map((p, i) => (b(p).length > max ? p : i === at ? '' : direct(p))).join('');
  return { all: b(parts.join('')), expectedUsage, stripped };
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((x) => x % (bytes.length + 1)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

describe('stream meter properties', () => {
  it('stripping yields exactly the original bytes minus the usage event and "usage":null members, for any chunking', () => {
    fc.assert(
      fc.property(streamCase, (c) => {
        const s = buildStream(c);
        const r = run('chat.completions', splitAt(s.all, c.cuts), { stripUsageChunk: true });
        expect(r.out).toBe(s.stripped(Infinity));
        expect(r.result.usage).toEqual(s.expectedUsage);
        expect(r.result.sawDone).toBe(c.done);
      }),
      { numRuns: 800 },
    );
  });

  it('without stripping, output is the input byte for byte and results match any chunking', () => {
    fc.assert(
      fc.property(streamCase, (c) => {
        const s = buildStream(c);
        const whole = run('chat.completions', [s.all]);
        const split = run('chat.completions', splitAt(s.all, c.cuts));
        expect(Buffer.compare(split.outBytes, s.all)).toBe(0);
        expect(split.result).toEqual(whole.result);
      }),
      { numRuns: 500 },
    );
  });

  it('with a small event limit, nothing is lost and only events within the limit are changed', () => {
    fc.assert(
      fc.property(streamCase, fc.integer({ min: 1, max: 400 }), (c, max) => {
        const s = buildStream(c);
        const r = run('chat.completions', splitAt(s.all, c.cuts), { stripUsageChunk: true, maxEventBytes: max });
        expect(r.out).toBe(s.stripped(max));
      }),
      { numRuns: 800 },
    );
  });

  it('never throws on random bytes, for any endpoint', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<StreamEndpoint>('chat.completions', 'completions', 'responses'),
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.string().map((x) => b(`data: ${x}\n\n`))), { maxLength: 20 }),
        fc.boolean(),
        (endpoint, chunks, strip) => {
          const r = run(endpoint, chunks, { stripUsageChunk: strip, maxEventBytes: 50 });
          if (!strip) expect(r.outBytes.length).toBe(chunks.reduce((n, x) => n + x.length, 0));
        },
      ),
    );
  });
});
