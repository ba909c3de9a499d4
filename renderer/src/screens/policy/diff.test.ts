import { describe, expect, it } from 'vitest';
import { diffLines, hunks } from './diff.js';

describe('diffLines', () => {
  it('marks removed and added lines and keeps the common ones', () => {
    const d = diffLines('a\nb\nc', 'a\nB\nc\nd');
    expect(d).toEqual([
      { op: ' ', text: 'a' },
      { op: '-', text: 'b' },
      { op: '+', text: 'B' },
      { op: ' ', text: 'c' },
      { op: '+', text: 'd' },
    ]);
  });

  it('is empty of changes for identical text', () => {
    expect(diffLines('x\ny', 'x\ny').every((l) => l.op === ' ')).toBe(true);
  });

  it('hunks keep context around changes and elide the rest', () => {
    const before = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
    const after = before.replace('l10', 'L10');
    const h = hunks(diffLines(before, after), 1);
    expect(h[0]).toBeNull(); // l0..l8 elided
    expect(h.at(-1)).toBeNull(); // l12..l19 elided
    expect(h.filter((l) => l === null)).toHaveLength(2);
    expect(h.filter((l) => l !== null).map((l) => l!.text)).toEqual(['l9', 'l10', 'L10', 'l11']);
  });
});
