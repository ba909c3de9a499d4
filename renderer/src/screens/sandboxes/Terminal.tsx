import { useEffect, useRef, useState } from 'react';
import { Terminal as XTerm } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { call } from '../../api/client.js';

const enc = new TextEncoder();
const toB64 = (s: string) => btoa(String.fromCharCode(...enc.encode(s)));
const fromB64 = (b: string) => Uint8Array.from(atob(b), (c) => c.charCodeAt(0));

/** An interactive shell in the sandbox (exec with a TTY), output by long-poll. */
export function SandboxTerminal({ id }: { id: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [state, setState] = useState('connecting');
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const term = new XTerm({ fontSize: 13, convertEol: false, cursorBlink: true });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    fit.fit();
    let session: string | undefined;
    let closed = false;
    // Keystrokes are sent one request at a time, in order (parallel requests could arrive
    // reordered); whatever is typed while one is in flight goes in the next.
    let queued = '';
    let sending = false;
    const flush = async () => {
      if (sending || !session || !queued) return;
      sending = true;
      while (queued && !closed) {
        const chunk = queued;
        queued = '';
        await call('sandboxes.terminal.write', { session, data: toB64(chunk) }).catch(() => undefined);
      }
      sending = false;
    };
    void (async () => {
      try {
        const opened = await call('sandboxes.terminal.open', { id, cols: term.cols, rows: term.rows });
        session = opened.session;
        setState('connected');
        term.focus();
        void flush();
        let after = 0;
        while (!closed) {
          const r = await call('sandboxes.terminal.read', { session, after, waitMs: 20_000 });
          for (const c of r.chunks) {
            term.write(fromB64(c.data));
            after = Math.max(after, c.seq);
          }
          if (r.exited) {
            setState(`exited (${r.exitCode ?? '?'})`);
            break;
          }
        }
      } catch (e) {
        if (!closed) setState(`error: ${(e as Error).message}`);
      }
    })();
    const data = term.onData((d) => {
      queued += d;
      void flush();
    });
    const ro = new ResizeObserver(() => {
      fit.fit();
      if (session)
        void call('sandboxes.terminal.resize', { session, cols: term.cols, rows: term.rows }).catch(
          () => undefined,
        );
    });
    ro.observe(el);
    return () => {
      closed = true;
      ro.disconnect();
      data.dispose();
      if (session) void call('sandboxes.terminal.close', { session }).catch(() => undefined);
      term.dispose();
    };
  }, [id]);
  return (
    <div className="stack">
      <div className="small muted">Terminal: {state}</div>
      <div ref={box} className="terminal" aria-label="Sandbox terminal" />
    </div>
  );
}
