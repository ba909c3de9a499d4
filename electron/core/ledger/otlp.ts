import { createHash } from 'node:crypto';

/** The OTLP/HTTP JSON shapes the ledger export writes (a subset of opentelemetry-proto). */
export type AnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: AnyValue[] } };
export interface Attr {
  key: string;
  value: AnyValue;
}
export interface OtlpSpanEvent {
  timeUnixNano: string;
  name: string;
  attributes: Attr[];
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Attr[];
  events?: OtlpSpanEvent[];
  status: { code: number; message?: string };
}

export const hex = (s: string, bytes: number): string =>
  createHash('sha256')
    .update(s)
    .digest('hex')
    .slice(0, bytes * 2);
export const nanos = (ms: number): string => (BigInt(Math.round(ms)) * 1_000_000n).toString();

/** One attribute, or none when the value is missing (so callers can spread unconditionally). */
export function attr(key: string, v: string | number | boolean | undefined | null): Attr[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [{ key, value: { stringValue: v } }];
  if (typeof v === 'boolean') return [{ key, value: { boolValue: v } }];
  return [{ key, value: Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v } }];
}

/** A string-array attribute (e.g. `gen_ai.response.finish_reasons`), or none when empty. */
export function listAttr(key: string, values: readonly string[]): Attr[] {
  if (!values.length) return [];
  return [{ key, value: { arrayValue: { values: values.map((v) => ({ stringValue: v })) } } }];
}

/** A string attribute's value on a span, if set. */
export function stringAttr(span: OtlpSpan, key: string): string | undefined {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v && 'stringValue' in v ? v.stringValue : undefined;
}
