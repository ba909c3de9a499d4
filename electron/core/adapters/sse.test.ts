import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { AnthropicResponseParser } from './anthropic.js';
import { anthropicStream, chatStream, responsesStream } from './fixtures.js';
import { ChatResponseParser } from './openai-chat.js';
import { ResponsesParser } from './openai-responses.js';
import { SseDecoder } from './sse.js';
import type { ResponseParser } from './types.js';

const parsers: [string, () => ResponseParser, string][] = [
  ['anthropic', () => new AnthropicResponseParser({ contentType: 'text/event-stream' }), anthropicStream()],
  ['chat', () => new ChatResponseParser({ contentType: 'text/event-stream' }), chatStream()],
  ['responses', () => new ResponsesParser({ contentType: 'text/event-stream' }), responsesStream()],
];

function feed(
  make: () => ResponseParser,
  bytes: Uint8Array,
  cuts: number[],
): ReturnType<ResponseParser['end']> {
  const p = make();
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    p.push(bytes.subarray(at, c));
    at = c;
  }
  p.push(bytes.subarray(at));
  return p.end();
}

describe('SSE framing', () => {
  test('data lines, multi-line data, comments, CRLF, and a last event without a blank line', () => {
    const got: [string, string][] = [];
    const d = new SseDecoder((data, e) => got.push([e, data]), { names: true });
    d.pushText(
      ': keep-alive\r\nevent: a\r\ndata: 1\r\ndata:2\r\n\r\nid: 7\nretry: 10\ndata: {"x":1}\n\nevent: b\ndata: tail',
    );
    d.end();
    expect(got).toEqual([
      ['a', '1\n2'],
      ['', '{"x":1}'],
      ['b', 'tail'],
    ]);
  });

  for (const [name, make, text] of parsers) {
    const bytes = new TextEncoder().encode(text);
    const whole = feed(make, bytes, []);

    test(`${name}: every single split point gives the same result`, () => {
      expect(whole.complete).toBe(true);
      for (let i = 1; i < bytes.length; i++) expect(feed(make, bytes, [i])).toEqual(whole);
    });

    test(`${name}: arbitrary chunkings give the same result`, () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), (cuts) => {
          expect(feed(make, bytes, cuts)).toEqual(whole);
        }),
        { numRuns: 200 },
      );
    });

    test(`${name}: a whole stream with no content type is detected as SSE`, () => {
      const p = make();
      const auto =
        name === 'anthropic'
          ? new AnthropicResponseParser()
          : name === 'chat'
            ? new ChatResponseParser()
            : new ResponsesParser();
      auto.push(bytes);
      p.push(bytes);
      expect(auto.end()).toEqual(p.end());
    });
  }
});
