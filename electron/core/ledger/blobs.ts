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

/**
 * A conversation history stored as a linked list of content-addressed nodes `{ p, m }` (previous
 * node, message blob), newest last. A turn that resends 40 messages and adds 2 stores 2 messages,
 * 2 nodes and one 75-byte ref, instead of 42 refs.
 */
export interface ListRef {
  $list: string;
}

export const isListRef = (v: unknown): v is ListRef =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as ListRef).$list === 'string' &&
  Object.keys(v).length === 1;

interface ListNode {
  p: string | null;
  m: string;
}

/** Payload fields resent on every turn of a conversation; stored once each, by content. */
const MESSAGE_ARRAYS = ['messages', 'input', 'contents'];
const LARGE_FIELDS = ['system', 'instructions', 'tools', 'text'];
/** Smaller values are cheaper inline than as a ref (a ref is ~75 bytes plus a blob row). */
const LARGE = 512;

export interface AddressedPayload {
  stored: unknown;
  /**
   * [sha256 hex, JSON text, value, worth indexing] for every blob the stored payload refers to,
   * directly or through a list.
   */
  blobs: [string, string, unknown, boolean][];
}

/**
 * Splits conversation history out of a payload: each element of `messages` (or `input` /
 * `contents` when they are arrays) and any large `system` / `instructions` / `tools` / `text` value
 * becomes a `{ $blob: sha256 }` ref, so a session that resends its history each turn stores
 * every message once. Adapters need not call this; the ledger applies it to every payload.
 */
export function contentAddress(payload: unknown): AddressedPayload {
  const blobs: [string, string, unknown, boolean][] = [];
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return { stored: payload, blobs };
  const src = payload as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  const ref = (v: unknown): BlobRef => {
    const text = JSON.stringify(v);
    const hash = sha256(text);
    blobs.push([hash, text, v, true]);
    return { $blob: hash };
  };
  const list = (items: unknown[]): ListRef => {
    let prev: string | null = null;
    for (const m of items) {
      const node: ListNode = { p: prev, m: ref(m === undefined ? null : m).$blob };
      const text = JSON.stringify(node);
      prev = sha256(text);
      blobs.push([prev, text, node, false]);
    }
    return { $list: prev as string };
  };
  for (const k of MESSAGE_ARRAYS) {
    const v = src[k];
    if (!Array.isArray(v) || v.length === 0) continue;
    out ??= { ...src };
    out[k] = list(v);
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
    if (isListRef(v)) {
      const items = expandList(v.$list, getBlob);
      if (items) {
        out ??= { ...src };
        out[k] = items;
      }
    } else if (isBlobRef(v)) {
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

/** Walks a history list back to its start; undefined if a node is missing. */
function expandList(head: string, getBlob: (hash: string) => unknown): unknown[] | undefined {
  const items: unknown[] = [];
  let at: string | null = head;
  for (let guard = 0; at !== null && guard < 1_000_000; guard++) {
    const node = getBlob(at) as ListNode | undefined;
    if (!node || typeof node.m !== 'string') return undefined;
    const m = getBlob(node.m);
    items.push(m === undefined ? { $blob: node.m } : m);
    at = node.p;
  }
  return items.reverse();
}
