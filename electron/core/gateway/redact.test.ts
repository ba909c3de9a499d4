import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { REDACTED, SecretRedactor } from './redact.js';

async function through(values: string[], chunks: string[]): Promise<string> {
  const r = new SecretRedactor(values);
  let out = '';
  r.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise<void>((resolve, reject) => {
    Readable.from(chunks.map((c) => Buffer.from(c)))
      .pipe(r)
      .on('end', resolve)
      .on('error', reject);
  });
  return out;
}

describe('SecretRedactor', () => {
  it('redacts a secret split across any chunk boundaries, and nothing else', async () => {
    const secret = 'sk-live-ABCDEF123456';
    await fc.assert(
      fc.asyncProperty(
        fc.string(),
        fc.string(),
        fc.array(fc.nat(40), { maxLength: 6 }),
        async (pre, post, cuts) => {
          fc.pre(!pre.includes('sk-') && !post.includes('sk-'));
          const text = `${pre}${secret}${post}`;
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const chunks: string[] = [];
          let last = 0;
          for (const p of points) {
            chunks.push(text.slice(last, p));
            last = p;
          }
          chunks.push(text.slice(last));
          const out = await through(
            [secret],
            chunks.filter((c) => c.length),
          );
          expect(out).toBe(`${pre}${REDACTED}${post}`);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('holds back nothing when no secret could be starting', async () => {
    const r = new SecretRedactor(['topsecret-value']);
    const seen: string[] = [];
    r.on('data', (c: Buffer) => seen.push(c.toString()));
    r.write(Buffer.from('data: hello\n\n'));
    await new Promise((res) => setImmediate(res));
    expect(seen).toEqual(['data: hello\n\n']);
    r.write(Buffer.from('data: tops'));
    await new Promise((res) => setImmediate(res));
    expect(seen.join('')).toBe('data: hello\n\ndata: ');
    r.end(Buffer.from('ide\n\n'));
    await new Promise((res) => r.on('end', res).resume());
    expect(seen.join('')).toBe('data: hello\n\ndata: topside\n\n');
  });
});
