/**
 * Cheap readers for the hot, fixed-shape delta events, so most of a stream is handled without a
 * full JSON.parse. Each returns undefined when the text is not exactly the expected shape; the
 * caller then parses it in full, so a fast path can only ever be skipped, never be wrong.
 *
 * Safe because an unescaped `"key":` can only be structure: inside a JSON string every `"` is escaped.
 */

import { utf8 } from './sse.js';

/**
 * The JSON string starting at `start` (just after its opening quote) in latin1 event text:
 * [value as text, index after the closing quote].
 */
export function readString(text: string, start: number): [string, number] | undefined {
  let end = text.indexOf('"', start);
  while (end !== -1) {
    let bs = 0;
    for (let k = end - 1; k >= start && text.charCodeAt(k) === 92; k--) bs++;
    if (bs % 2 === 0) break;
    end = text.indexOf('"', end + 1);
  }
  if (end === -1) return undefined;
  const raw = utf8(text.slice(start, end));
  if (raw.indexOf('\\') === -1) return [raw, end + 1];
  try {
    return [JSON.parse(`"${raw}"`) as string, end + 1];
  } catch {
    return undefined;
  }
}

/** A non-negative integer at `at`: [value, index after it]. */
export function readInt(text: string, at: number): [number, number] | undefined {
  let i = at;
  let n = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    i++;
  }
  return i === at ? undefined : [n, i];
}

/** The integer value of `"key":` anywhere at top level of a flat event, or undefined. */
export function intField(text: string, key: string): number | undefined {
  const i = text.indexOf(`"${key}":`);
  return i === -1 ? undefined : readInt(text, i + key.length + 3)?.[0];
}

/** The string value of `"key":"` in a flat event, or undefined. */
export function stringField(text: string, key: string): string | undefined {
  const i = text.indexOf(`"${key}":"`);
  return i === -1 ? undefined : readString(text, i + key.length + 4)?.[0];
}
