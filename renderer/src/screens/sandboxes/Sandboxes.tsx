import { useState } from 'react';
import type { SandboxInfo } from '../../../../shared/api/sandboxes.js';
import { useAvailable, useProc } from '../../api/hooks.js';
import { QueryView } from '../../components/states.js';
import { useRouter } from '../../state/router.js';
import { CreateSandbox } from './CreateSandbox.js';
import { ImageCard } from './ImageCard.js';
import { Logs } from './Logs.js';
import { SandboxActions, stateTone } from './SandboxActions.js';
import { SandboxTerminal } from './Terminal.js';

export default function Sandboxes() {
  const rest = useRouter((r) => r.route.rest);
  const ok = useAvailable('sandboxes.list');
  const list = useProc('sandboxes.list', {}, { refetchInterval: 5000 });
  const selected = rest[0];
  return (
    <div className="stack">
      <h1>Sandboxes</h1>
      {selected ? (
        <SandboxDetail id={selected} />
      ) : (
        <div className="grid">
          <section className="card wide" aria-labelledby="new-h">
            <h3 id="new-h">New sandbox</h3>
            {ok === false ? <p className="muted">Not available in this build.</p> : <CreateSandbox />}
          </section>
          <section className="card wide" aria-labelledby="list-h">
            <h3 id="list-h">Sandboxes</h3>
            <QueryView
              query={list}
              available={ok}
              what="Sandboxes"
              procedures={['sandboxes.list']}
              empty="No sandboxes yet. Pick a template and a workspace folder above."
            >
              {(items) => <SandboxTable items={items} />}
            </QueryView>
          </section>
          <ImageCard />
        </div>
      )}
    </div>
  );
}

function usage(s: SandboxInfo): string {
  if (!s.usage) return '—';
  const cpu = s.usage.cpuPercent === null ? '' : `${s.usage.cpuPercent.toFixed(0)}% CPU · `;
  return `${cpu}${Math.round(s.usage.memoryMb)}/${Math.round(s.usage.memoryLimitMb)} MB · ${s.usage.pids} procs`;
}

function SandboxTable({ items }: { items: SandboxInfo[] }) {
  const go = useRouter((r) => r.go);
  return (
    <table className="list" aria-label="Sandboxes">
      <thead>
        <tr>
          <th>Name</th>
          <th>Template</th>
          <th>State</th>
          <th>Resources</th>
          <th>Workspace</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {items.map((s) => (
          <tr key={s.id} data-testid={`sandbox-${s.name}`}>
            <td>
              <a
                href={`#/sandboxes/${encodeURIComponent(s.id)}`}
                onClick={(e) => {
                  e.preventDefault();
                  go('sandboxes', s.id);
                }}
              >
                {s.name}
              </a>
            </td>
            <td className="muted">{s.template}</td>
            <td>
              <span className={`pill ${stateTone(s.state)}`}>
                {s.state}
                {s.exitCode !== null && s.state !== 'running' ? ` (${s.exitCode})` : ''}
              </span>
            </td>
            <td className="small">{usage(s)}</td>
            <td className="mono small">{s.workspace}</td>
            <td>
              <SandboxActions s={s} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SandboxDetail({ id }: { id: string }) {
  const go = useRouter((r) => r.go);
  const ok = useAvailable('sandboxes.get');
  const q = useProc('sandboxes.get', { id }, { refetchInterval: 3000 });
  const [tab, setTab] = useState<'logs' | 'terminal'>('logs');
  return (
    <div className="stack">
      <div>
        <button className="btn small" onClick={() => go('sandboxes')}>
          ← All sandboxes
        </button>
      </div>
      <QueryView query={q} available={ok} what="This sandbox" procedures={['sandboxes.get']}>
        {(s) => (
          <>
            <section className="card" aria-label={`Sandbox ${s.name}`}>
              <div className="row" style={{ marginBottom: 8 }}>
                <h2 style={{ margin: 0 }}>{s.name}</h2>
                <span className={`pill ${stateTone(s.state)}`} data-testid="sandbox-state">
                  {s.state}
                </span>
                <span className="right">
                  <SandboxActions s={s} />
                </span>
              </div>
              <dl className="kv">
                <dt>Template</dt>
                <dd>{s.template}</dd>
                <dt>Image</dt>
                <dd className="mono">{s.image}</dd>
                <dt>Workspace</dt>
                <dd className="mono">{s.workspace}</dd>
                <dt>Command</dt>
                <dd className="mono">{s.command.join(' ')}</dd>
                <dt>Limits</dt>
                <dd>
                  {s.limits.memoryMb} MB · {s.limits.cpus} CPU · {s.limits.pids} procs
                </dd>
                <dt>Use</dt>
                <dd>{usage(s)}</dd>
                <dt>Transcript</dt>
                <dd>
                  {s.runId ? (
                    <a
                      href={`#/transcripts/run/${encodeURIComponent(s.runId)}`}
                      onClick={(e) => {
                        e.preventDefault();
                        go('transcripts', 'run', s.runId!);
                      }}
                    >
                      Open live transcript
                    </a>
                  ) : (
                    <span className="muted">no run yet</span>
                  )}
                </dd>
              </dl>
            </section>
            <div className="tabs" role="tablist">
              <button role="tab" aria-selected={tab === 'logs'} onClick={() => setTab('logs')}>
                Logs
              </button>
              <button
                role="tab"
                aria-selected={tab === 'terminal'}
                onClick={() => setTab('terminal')}
                disabled={s.state !== 'running'}
              >
                Terminal
              </button>
            </div>
            {tab === 'logs' ? <Logs id={s.id} /> : <SandboxTerminal id={s.id} />}
          </>
        )}
      </QueryView>
    </div>
  );
}
