import { sha256 } from './record.js';

/** A reference to a content-addressed blob, in place of the value it stands for. */
export interface BlobRef {
  $blob: string;
}

export const isBlobRef = (v: unknown): v is BlobRef =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as BlobRef).$blob === 'string' &&
  Object.keys(v).length === 1;

/** Payload fields resent on every turn of a conversation; stored once each, by content. */
const MESSAGE_ARRAYS = ['messages', 'input', 'contents'];
const LARGE_FIELDS = ['system', 'instructions', 'tools', 'text'];
/** Smaller values are cheaper inline than as a ref (a ref is ~75 bytes plus a blob row). */
const LARGE = 512;

export interface AddressedPayload {
  stored: unknown;
  /** [sha256 hex, JSON text, value] for every blob the stored payload refers to. */
  blobs: [string, string, unknown][];
}

/**
 * Splits conversation history out of a payload: each element of `messages` (or `input` /
 * `contents` when they are arrays) and any large `system` / `instructions` / `tools` / `text` value
 * becomes a `{ $blob: sha256 }` ref, so a session that resends its history each turn stores
 * every message once. Adapters need not call this; the ledger applies it to every payload.
 */
export function contentAddress(payload: unknown): AddressedPayload {
  const blobs: [string, string, unknown][] = [];
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return { stored: payload, blobs };
  const src = payload as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  const ref = (v: unknown): BlobRef => {
    const text = JSON.stringify(v);
    const hash = sha256(text);
    blobs.push([hash, text, v]);
    return { $blob: hash };
  };
  for (const k of MESSAGE_ARRAYS) {
    const v = src[k];
    if (!Array.isArray(v)) continue;
    out ??= { ...src };
    out[k] = v.map((m) => (m === undefined ? null : ref(m)));
  }
  for (const k of LARGE_FIELDS) {
    const v = src[k];
    if (v === undefined || v === null) continue;
    const size = typeof v === 'string' ? v.length : JSON.stringify(v).length;
    if (size < LARGE) continue;
    out ??= { ...src };
    out[k] = ref(v);
  }
  return { stored: out ?? payload, blobs };
}

/** The inverse of contentAddress: refs replaced by their blobs' values (missing blobs stay refs). */
export function expandPayload(stored: unknown, getBlob: (hash: string) => unknown): unknown {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return stored;
  const src = stored as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(src)) {
    if (isBlobRef(v)) {
      out ??= { ...src };
      const got = getBlob(v.$blob);
      out[k] = got === undefined ? v : got;
    } else if (Array.isArray(v) && v.some(isBlobRef)) {
      out ??= { ...src };
      out[k] = v.map((m) => {
        if (!isBlobRef(m)) return m;
        const got = getBlob(m.$blob);
        return got === undefined ? m : got;
      });
    }
  }
  return out ?? stored;
}
