import { describe, expect, it } from 'vitest';
import {
  estimateRequestInputTokens,
  estimateTextTokens,
  IMAGE_TOKENS,
  REPLY_PRIMING_TOKENS,
  TOKENS_PER_MESSAGE,
  TOKENS_PER_NAME,
} from '../../src/usage/estimate.ts';

describe('estimateTextTokens (o200k_base)', () => {
  it.each([
    ['', 0],
    ['hello world', 2],
    ['Hello, world!', 4],
  ])('%j -> %d', (text, n) => {
    expect(estimateTextTokens(text)).toBe(n);
  });

  it('counts special-token text as plain text instead of throwing', () => {
    expect(estimateTextTokens('<|endoftext|>')).toBeGreaterThan(1);
  });

  it('grows with the text', () => {
    expect(estimateTextTokens('word '.repeat(1000))).toBeGreaterThanOrEqual(1000);
  });
});

describe('estimateRequestInputTokens', () => {
  const t = estimateTextTokens;

  it('chat: content, roles, names and the documented per-message overhead', () => {
    const body = {
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', name: 'ann', content: 'Say hi.' },
      ],
    };
    const expected =
      REPLY_PRIMING_TOKENS + 2 * TOKENS_PER_MESSAGE + t('system') + t('You are terse.') + t('user') + t('Say hi.') + t('ann') + TOKENS_PER_NAME;
    expect(estimateRequestInputTokens('chat.completions', body)).toBe(expected);
  });

  it('chat: text parts, images at their floor, tool calls and tool definitions', () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const body = {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this image?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '18C' },
      ],
      tools,
    };
    const expected =
      REPLY_PRIMING_TOKENS +
      3 * TOKENS_PER_MESSAGE +
      t('user') + t('What is in this image?') + IMAGE_TOKENS +
      t('assistant') + t('get_weather') + t('{"city":"Paris"}') +
      t('tool') + t('call_1') + t('18C') +
      t(JSON.stringify(tools));
    expect(estimateRequestInputTokens('chat.completions', body)).toBe(expected);
  });

  it('completions: string, string array, token array and token arrays', () => {
    expect(estimateRequestInputTokens('completions', { prompt: 'Once upon a time' })).toBe(t('Once upon a time'));
    expect(estimateRequestInputTokens('completions', { prompt: ['a b', 'c d'] })).toBe(t('a b') + t('c d'));
    expect(estimateRequestInputTokens('completions', { prompt: [1, 2, 3] })).toBe(3);
    expect(estimateRequestInputTokens('completions', { prompt: [[1, 2], [3]] })).toBe(3);
  });

  it('embeddings: string, string array and token arrays', () => {
    expect(estimateRequestInputTokens('embeddings', { input: 'The food was delicious' })).toBe(t('The food was delicious'));
    expect(estimateRequestInputTokens('embeddings', { input: ['x y', 'z'] })).toBe(t('x y') + t('z'));
    expect(estimateRequestInputTokens('embeddings', { input: [[10, 20, 30], [40]] })).toBe(4);
  });

  it('responses: string input with instructions', () => {
    const body = { model: 'gpt-5', instructions: 'Be brief.', input: 'Tell me a joke.' };
    expect(estimateRequestInputTokens('responses', body)).toBe(t('Be brief.') + t('Tell me a joke.') + TOKENS_PER_MESSAGE + REPLY_PRIMING_TOKENS);
  });

  it('responses: message items with parts and function call outputs', () => {
    const body = {
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'Weather in Paris?' }, { type: 'input_image', image_url: 'https://x/y.png' }] },
        { type: 'function_call', call_id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'c1', output: '18C' },
      ],
    };
    const expected =
      3 * TOKENS_PER_MESSAGE +
      t('user') + t('Weather in Paris?') + IMAGE_TOKENS +
      t('get_weather') + t('{"city":"Paris"}') +
      t('18C') +
      REPLY_PRIMING_TOKENS;
    expect(estimateRequestInputTokens('responses', body)).toBe(expected);
  });

  it.each([
    ['chat.completions', null],
    ['chat.completions', { messages: 'nope' }],
    ['chat.completions', { messages: [] }],
    ['completions', { prompt: 42 }],
    ['embeddings', {}],
    ['responses', { input: 7 }],
    ['responses', 'string body'],
  ] as const)('returns 0 for unrecognised %s body %j', (endpoint, body) => {
    expect(estimateRequestInputTokens(endpoint, body)).toBe(0);
  });

  it('never throws on odd message shapes', () => {
    const body = { messages: [null, 5, { role: 7, content: [null, 3, { type: 'image_url' }, { text: 9 }] }] };
    expect(estimateRequestInputTokens('chat.completions', body)).toBe(REPLY_PRIMING_TOKENS + 3 * TOKENS_PER_MESSAGE + IMAGE_TOKENS);
  });
});
