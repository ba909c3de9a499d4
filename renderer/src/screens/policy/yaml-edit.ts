import { isMap, isScalar, isSeq, parseDocument, stringify, type Node, type Pair } from 'yaml';

/**
 * Edits on the policy's YAML text that touch only the lines they change, so comments, layout
 * and flow style elsewhere survive a round trip through the form (re-serialising the whole
 * document would reflow it and pollute the diff). Each function returns the new text, or
 * null when the edit cannot be made in place (the caller says so rather than reformatting).
 */

type Path = (string | number)[];

const lineStart = (text: string, at: number) => text.lastIndexOf('\n', at - 1) + 1;
const lineEnd = (text: string, at: number) => {
  const i = text.indexOf('\n', at);
  return i === -1 ? text.length : i;
};
const scalarText = (v: string | number | boolean) => stringify(v, { lineWidth: 0 }).trimEnd();

function parse(text: string) {
  const doc = parseDocument(text, { keepSourceTokens: true });
  return doc.errors.length ? null : doc;
}

function pairOf(map: unknown, key: string): Pair<Node, Node> | undefined {
  if (!isMap(map)) return undefined;
  return (map.items as Pair<Node, Node>[]).find((p) => isScalar(p.key) && p.key.value === key);
}

/** Sets a scalar at path (replacing it in place, or adding `key: value` under the map's first key). */
export function setScalar(text: string, path: Path, value: string | number | boolean): string | null {
  const doc = parse(text);
  if (!doc) return null;
  const node = doc.getIn(path, true);
  if (isScalar(node) && node.range) {
    const [start, end] = node.range;
    return text.slice(0, start) + scalarText(value) + text.slice(end);
  }
  if (node !== undefined) return null; // a map or list there: not a form edit
  const parent = doc.getIn(path.slice(0, -1), true);
  const key = String(path.at(-1));
  if (!isMap(parent) || parent.flow || parent.items.length === 0) return null;
  const first = parent.items[0] as Pair<Node, Node>;
  const keyRange = first.key?.range;
  const valueEnd = first.value?.range?.[2] ?? keyRange?.[1];
  if (!keyRange || valueEnd === undefined) return null;
  const indent = keyRange[0] - lineStart(text, keyRange[0]);
  // After the first pair's last line (its value may span lines; range[2] can include the newline).
  const at = lineEnd(text, Math.max(keyRange[1], valueEnd - 1));
  return text.slice(0, at) + `\n${' '.repeat(indent)}${key}: ${scalarText(value)}` + text.slice(at);
}

/** Removes `key: value` (all its lines) from the map at path. */
export function deleteKey(text: string, path: Path): string | null {
  const doc = parse(text);
  if (!doc) return null;
  const parent = doc.getIn(path.slice(0, -1), true);
  const pair = pairOf(parent, String(path.at(-1)));
  if (!pair) return text;
  if (!isMap(parent) || parent.flow || parent.items[0] === pair) return null;
  const start = pair.key.range![0];
  const end = pair.value?.range?.[1] ?? pair.key.range![1];
  const from = lineStart(text, start);
  const to = lineEnd(text, end);
  return text.slice(0, from) + text.slice(to + 1);
}

/** Removes item i of the top-level list `key` (its "- " line and everything under it). */
export function removeItem(text: string, key: string, i: number): string | null {
  const doc = parse(text);
  if (!doc) return null;
  const seq = doc.get(key, true);
  if (!isSeq(seq) || seq.flow) return null;
  const item = seq.items[i] as Node | undefined;
  if (!item?.range) return null;
  const from = lineStart(text, item.range[0]);
  const to = lineEnd(text, Math.max(item.range[0], item.range[1] - 1));
  return text.slice(0, from) + text.slice(Math.min(text.length, to + 1));
}

/** Appends a block-style item with scalar fields to the top-level list `key`. */
export function appendItem(
  text: string,
  key: string,
  fields: Record<string, string | number | boolean>,
): string | null {
  const doc = parse(text);
  if (!doc) return null;
  const seq = doc.get(key, true);
  const lines = Object.entries(fields).map(([k, v]) => `${k}: ${scalarText(v)}`);
  if (seq === undefined) {
    const sep = text.endsWith('\n') ? '' : '\n';
    return `${text}${sep}${key}:\n  - ${lines.join('\n    ')}\n`;
  }
  if (!isSeq(seq) || seq.flow) return null;
  const last = seq.items.at(-1) as Node | undefined;
  const first = seq.items[0] as Node | undefined;
  if (!last?.range || !first?.range) return null;
  const dashCol = text.lastIndexOf('-', first.range[0]) - lineStart(text, first.range[0]);
  const pad = ' '.repeat(Math.max(0, dashCol));
  const at = lineEnd(text, Math.max(last.range[0], last.range[1] - 1));
  const block = `\n\n${pad}- ${lines.join(`\n${pad}  `)}`;
  return text.slice(0, at) + block + text.slice(at);
}
