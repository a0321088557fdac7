// The encoding entry point loads only o200k_base (GPT-4o, 4.1, 5, o-series), not every encoding.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { Endpoint } from './types.ts';

/**
 * Token estimates for when an upstream sends no usage (cut streams, servers without usage).
 * Only text is counted exactly; message framing follows OpenAI's documented overhead and
 * images are counted at their lowest price, so an estimate errs low rather than high.
 */

/** Per chat message: <|start|>{role}<|message|> ... <|end|> (OpenAI cookbook, gpt-4o and later). */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 1;
/** Every reply is primed with <|start|>assistant<|message|>. */
export const REPLY_PRIMING_TOKENS = 3;
/** A low-detail image on gpt-4o; higher detail costs more, so this is a floor. */
export const IMAGE_TOKENS = 85;

// Text such as "<|endoftext|>" in a prompt is plain text to the API, never a special token.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

export function estimateTextTokens(text: string): number {
  return text === '' ? 0 : countTokens(text, PLAIN_TEXT);
}

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: unknown): number {
  return typeof v === 'string' ? estimateTextTokens(v) : 0;
}

function json(v: unknown): number {
  if (v === undefined || v === null) return 0;
  try {
    return text(JSON.stringify(v));
  } catch {
    return 0;
  }
}

/** Content as a string or an array of parts ({type: 'text' | 'input_text' | 'output_text', text}, images, ...). */
function content(v: unknown): number {
  if (typeof v === 'string') return text(v);
  if (!Array.isArray(v)) return 0;
  let n = 0;
  for (const part of v) {
    if (typeof part === 'string') n += text(part);
    else if (isRecord(part)) {
      if (typeof part.text === 'string') n += text(part.text);
      else if (typeof part.refusal === 'string') n += text(part.refusal);
      else if (part.type === 'image_url' || part.type === 'input_image') n += IMAGE_TOKENS;
    }
  }
  return n;
}

function functionCall(v: unknown): number {
  return isRecord(v) ? text(v.name) + text(v.arguments) : 0;
}

function chatMessages(messages: unknown): number {
  if (!Array.isArray(messages) || messages.length === 0) return 0;
  let n = REPLY_PRIMING_TOKENS;
  for (const m of messages) {
    n += TOKENS_PER_MESSAGE;
    if (!isRecord(m)) continue;
    n += text(m.role) + content(m.content) + text(m.tool_call_id) + functionCall(m.function_call);
    if (typeof m.name === 'string') n += text(m.name) + TOKENS_PER_NAME;
    if (Array.isArray(m.tool_calls)) for (const call of m.tool_calls) if (isRecord(call)) n += functionCall(call.function);
  }
  return n;
}

/** A prompt / embeddings input: string, string[], token array, or array of token arrays. */
function promptLike(v: unknown): number {
  if (typeof v === 'string') return text(v);
  if (!Array.isArray(v)) return 0;
  let n = 0;
  for (const item of v) {
    if (typeof item === 'string') n += text(item);
    else if (typeof item === 'number') n += 1;
    else if (Array.isArray(item)) n += item.length;
  }
  return n;
}

function responsesInput(input: unknown): number {
  if (typeof input === 'string') return text(input) + TOKENS_PER_MESSAGE;
  if (!Array.isArray(input)) return 0;
  let n = 0;
  for (const item of input) {
    if (typeof item === 'string') {
      n += text(item);
      continue;
    }
    if (!isRecord(item)) continue;
    n += TOKENS_PER_MESSAGE;
    n += text(item.role) + content(item.content) + text(item.name) + text(item.arguments) + content(item.output);
    if (typeof item.text === 'string') n += text(item.text);
  }
  return n;
}

/** Estimated prompt tokens of a request body; 0 for anything unrecognised. Never throws. */
export function estimateRequestInputTokens(endpoint: Endpoint, body: unknown): number {
  if (!isRecord(body)) return 0;
  switch (endpoint) {
    case 'chat.completions':
      return chatMessages(body.messages) + json(body.tools) + json(body.functions);
    case 'completions':
      return promptLike(body.prompt) + text(body.suffix);
    case 'embeddings':
      return promptLike(body.input);
    case 'responses': {
      const n = text(body.instructions) + responsesInput(body.input) + json(body.tools);
      return n > 0 ? n + REPLY_PRIMING_TOKENS : 0;
    }
  }
}
