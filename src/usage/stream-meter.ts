import { usageFromJson } from './extract.ts';
import { isRecord, parseObject, usageFromTail, withoutNullUsage, type Json } from './chunk-json.ts';
import { SseParser, type SseFrame } from './sse.ts';
import type { Usage } from './types.ts';

/**
 * Watches an SSE response on its way to the client: usage, served model, terminal event, errors
 * and the generated text (for estimation when no usage comes). Never throws on what it reads.
 *
 * When Tollgate injected stream_options.include_usage for a client that did not ask for it, the
 * client must get the stream it would have got directly: the usage-only chunk (choices: [] with
 * non-null usage) is cut out, and the `"usage":null` member that include_usage adds to every other
 * chunk is removed from its bytes (nothing else in the JSON is touched; chunks carrying real usage
 * next to choices, as vLLM's continuous stats do, pass unchanged). Bytes are then released per
 * complete event; only the incomplete tail event waits, and only until it completes or outgrows
 * maxEventBytes (then it cannot be rewritten or cut and passes at once).
 */

export type StreamEndpoint = 'chat.completions' | 'completions' | 'responses';

export interface StreamMeterOptions {
  stripUsageChunk: boolean;
  maxEventBytes: number;
  maxTextChars: number;
}

export interface StreamResult {
  /** Usage of the last event that carried one (cumulative reports are never added up). */
  usage: Usage | null;
  clamped: boolean;
  model: string | null;
  sawDone: boolean;
  /** [DONE], or response.completed / response.incomplete / response.failed. */
  sawTerminal: boolean;
  errored: boolean;
  outputText: string;
}

export interface StreamMeter {
  /** Bytes to forward now (views of the input; with stripping off, the chunk itself). */
  write(chunk: Uint8Array): Uint8Array[];
  /** Flushes what is left and reports what was seen. */
  end(): { out: Uint8Array[]; result: StreamResult };
  /** True once the terminal event has been parsed. */
  readonly terminated: boolean;
}

/** What strip mode does with a complete event. */
const KEEP = 0;
const DROP = 1;
const DROP_NULL_USAGE = 2;
type Action = typeof KEEP | typeof DROP | typeof DROP_NULL_USAGE;

const RESPONSES_TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);
const RESPONSES_TEXT_DELTAS = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.reasoning_text.delta',
  'response.reasoning_summary_text.delta',
  'response.function_call_arguments.delta',
  'response.custom_tool_call_input.delta',
]);

export function createStreamMeter(endpoint: StreamEndpoint, opts: StreamMeterOptions): StreamMeter {
  const parser = new SseParser({ maxEventBytes: opts.maxEventBytes });
  const strip = opts.stripUsageChunk && endpoint !== 'responses';
  const result: StreamResult = {
    usage: null,
    clamped: false,
    model: null,
    sawDone: false,
    sawTerminal: false,
    errored: false,
    outputText: '',
  };
  const text: string[] = [];
  let textLen = 0;

  const addText = (v: unknown): void => {
    if (typeof v !== 'string' || v === '' || textLen >= opts.maxTextChars) return;
    const part = v.length <= opts.maxTextChars - textLen ? v : v.slice(0, opts.maxTextChars - textLen);
    text.push(part);
    textLen += part.length;
  };

  const setUsage = (raw: unknown): void => {
    const found = usageFromJson(endpoint, raw);
    if (found === null) return;
    result.usage = found.usage;
    result.clamped = found.clamped;
  };

  const setModel = (v: unknown): void => {
    if (typeof v === 'string' && v !== '') result.model = v; // Azure filter chunks carry model: ""
  };

  /** Records what the frame says and what strip mode should do with it. */
  const inspect = (frame: SseFrame): Action => {
    if (frame.oversized) {
      if (endpoint === 'responses') inspectOversizedResponsesEvent(frame);
      return KEEP;
    }
    if (frame.data === '') return KEEP;
    if (frame.data.trim() === '[DONE]') {
      result.sawDone = true;
      result.sawTerminal = true;
      return KEEP;
    }
    const obj = parseObject(frame.data);
    if (obj === null) return KEEP;
    if (obj.error !== undefined && obj.error !== null) result.errored = true;
    if (endpoint === 'responses') {
      inspectResponsesEvent(obj, frame.event);
      return KEEP;
    }
    setModel(obj.model);
    const choices = obj.choices;
    if (Array.isArray(choices)) {
      for (const choice of choices) if (isRecord(choice)) addChoiceText(choice);
    }
    if (obj.usage === null) return DROP_NULL_USAGE;
    if (!isRecord(obj.usage)) return KEEP;
    setUsage(obj.usage);
    return Array.isArray(choices) && choices.length === 0 ? DROP : KEEP;
  };

  const addChoiceText = (choice: Json): void => {
    addText(choice.text); // legacy completions
    const delta = choice.delta;
    if (!isRecord(delta)) return;
    addText(delta.content);
    addText(delta.reasoning_content);
    addText(delta.reasoning);
    addText(delta.refusal);
    if (isRecord(delta.function_call)) addText(delta.function_call.arguments);
    if (Array.isArray(delta.tool_calls)) {
      for (const call of delta.tool_calls) {
        if (isRecord(call) && isRecord(call.function)) {
          addText(call.function.name);
          addText(call.function.arguments);
        }
      }
    }
  };

  const inspectResponsesEvent = (obj: Json, eventName: string | null): void => {
    const type = typeof obj.type === 'string' ? obj.type : eventName;
    if (type === null) return;
    if (type === 'error') result.errored = true;
    if (RESPONSES_TEXT_DELTAS.has(type)) addText(obj.delta);
    const response = obj.response;
    if (isRecord(response)) {
      setModel(response.model);
      if (isRecord(response.usage)) setUsage(response.usage);
    }
    if (RESPONSES_TERMINAL.has(type)) {
      result.sawTerminal = true;
      if (type === 'response.failed') result.errored = true;
    }
  };

  // response.completed repeats the whole output (base64 images, long texts) and can outgrow
  // maxEventBytes; its name and its usage, which comes near the end, survive in the frame's tail.
  const inspectOversizedResponsesEvent = (frame: SseFrame): void => {
    if (frame.event === null || !RESPONSES_TERMINAL.has(frame.event)) return;
    result.sawTerminal = true;
    if (frame.event === 'response.failed') result.errored = true;
    const usage = usageFromTail(frame.tail);
    if (usage !== null) setUsage(usage);
  };

  // Strip mode: pushed bytes not yet released, as views; heldStart is the stream offset of held[0][0].
  const held: Uint8Array[] = [];
  let heldStart = 0;
  let received = 0;
  let eventStart = 0; // stream offset where the incomplete tail event began

  const release = (out: Uint8Array[] | null, upTo: number): void => {
    while (heldStart < upTo && held.length > 0) {
      const c = held[0]!;
      const len = Math.min(c.length, upTo - heldStart);
      if (len === c.length) {
        held.shift();
        if (out) out.push(c);
      } else {
        held[0] = c.subarray(len);
        if (out) out.push(c.subarray(0, len));
      }
      heldStart += len;
    }
  };

  const route = (frames: SseFrame[], out: Uint8Array[]): void => {
    for (const frame of frames) {
      const action = inspect(frame);
      if (!strip || action === KEEP || frame.start < heldStart) continue; // (bytes already released: leave them)
      const rewritten = action === DROP_NULL_USAGE ? withoutNullUsage(frame.raw) : null;
      if (action === DROP_NULL_USAGE && rewritten === null) continue;
      release(out, frame.start);
      release(null, frame.end);
      if (rewritten !== null) out.push(rewritten);
    }
  };

  return {
    get terminated() {
      return result.sawTerminal;
    },
    write(chunk: Uint8Array): Uint8Array[] {
      const frames = parser.push(chunk);
      if (!strip) {
        for (const frame of frames) inspect(frame);
        return [chunk];
      }
      if (chunk.length > 0) {
        held.push(chunk);
        received += chunk.length;
      }
      const out: Uint8Array[] = [];
      route(frames, out);
      const last = frames.at(-1);
      if (last) {
        release(out, last.end);
        eventStart = last.end;
      }
      // The tail event is already too big to be parsed, so it cannot be the one to cut out.
      if (received - eventStart > opts.maxEventBytes) release(out, received);
      return out;
    },
    end() {
      const out: Uint8Array[] = [];
      route(parser.end(), out);
      release(out, received);
      result.outputText = text.join('');
      return { out, result: { ...result } };
    },
  };
}
