import { describe, expect, it } from 'vitest';
import { regexHazard } from './redos.js';

describe('regexHazard (ReDoS shapes)', () => {
  it.each([
    ['(a+)+', 1, 'nested quantifiers'],
    ['^(a*)*$', 2, 'nested quantifiers'],
    ['(\\w+\\s?)*x', 1, 'nested quantifiers'],
    ['(\\d{1,3}\\.?)+', 1, 'nested quantifiers'],
    ['((ab)+)+', 1, 'nested quantifiers'],
    ['([a-z]+)*@', 1, 'nested quantifiers'],
    ['(?<n>a+)+', 5, 'nested quantifiers'],
    ['(a|ab)+', 0, 'alternatives'],
    ['(\\w|\\d)*', 0, 'alternatives'],
    ['(.*a){20}', 1, 'overlaps what follows'],
    ['(\\w+\\d+)+', 1, 'overlaps what follows'],
    ['(\\1a)+', 1, 'backreference'],
    ['x(?=(a+)+)', 5, 'nested quantifiers'],
  ])('rejects %s (at offset %i)', (source, offset, message) => {
    const h = regexHazard(source, 'u');
    expect(h?.offset).toBe(offset);
    expect(h?.message).toContain(message);
  });

  it.each([
    'a+',
    '(\\w+\\s)+',
    '(?:[a-z0-9-]+\\.)+[a-z]{2,}',
    '(\\d{1,3}\\.){3}\\d{1,3}',
    '(foo|bar)+',
    '(a|b)+c',
    '(ab?)+',
    '\\bACME-[0-9]{6}\\b',
    '[A-Z]{3}-\\d+',
    '(?:\\+\\d{1,3})?[ .-]?\\d{3}',
    '.*a.*b',
    '[(a+)+]',
    '\\(a+\\)+',
  ])('accepts %s', (source) => {
    expect(regexHazard(source, 'u')).toBeUndefined();
  });

  it('case-insensitive flags widen the character sets', () => {
    expect(regexHazard('(?:A|a)+', 'u')).toBeUndefined();
    expect(regexHazard('(?:A|a)+', 'iu')).toBeDefined();
    expect(regexHazard('(?:A|b)+', 'u')).toBeUndefined();
    expect(regexHazard('(?:A|b)+', 'iu')).toBeUndefined();
    expect(regexHazard('(?:A|ab)+', 'iu')).toBeDefined();
  });
});
