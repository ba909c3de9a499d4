import { useState, type FormEvent } from 'react';
import { useAction, useAvailable, useProc } from '../../api/hooks.js';
import { useRouter } from '../../state/router.js';
import { useUi } from '../../state/ui.js';

/** Create a sandbox from a template: workspace folder (bind-mounted), optional name and limits. */
export function CreateSandbox() {
  const templatesOk = useAvailable('sandboxes.templates');
  const templates = useProc('sandboxes.templates', {});
  const create = useAction('sandboxes.create');
  const toast = useUi((s) => s.toast);
  const go = useRouter((s) => s.go);
  const [template, setTemplate] = useState('');
  const [workspace, setWorkspace] = useState('');
  const [name, setName] = useState('');
  const [command, setCommand] = useState('');
  const [memoryMb, setMemoryMb] = useState('');
  const [cpus, setCpus] = useState('');
  const [pids, setPids] = useState('');
  const chosen = template || templates.data?.[0]?.name || '';
  const info = templates.data?.find((t) => t.name === chosen);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const limits = {
      ...(memoryMb ? { memoryMb: Number(memoryMb) } : {}),
      ...(cpus ? { cpus: Number(cpus) } : {}),
      ...(pids ? { pids: Number(pids) } : {}),
    };
    create.mutate(
      {
        template: chosen,
        workspace,
        ...(name ? { name } : {}),
        ...(command.trim() ? { command: splitCommand(command) } : {}),
        ...(Object.keys(limits).length ? { limits } : {}),
      },
      {
        onSuccess: (s) => {
          toast('ok', `Sandbox ${s.name} is ${s.state}.`);
          go('sandboxes', s.id);
        },
        onError: (err) => toast('error', err.message),
      },
    );
  };

  return (
    <form className="stack" onSubmit={submit} aria-label="Create a sandbox">
      <div className="row">
        <label className="field">
          Template
          <select
            value={chosen}
            onChange={(e) => setTemplate(e.target.value)}
            disabled={templatesOk === false}
            aria-label="Template"
          >
            {templates.data?.map((t) => (
              <option key={t.name} value={t.name}>
                {t.title}
              </option>
            ))}
          </select>
        </label>
        <label className="field" style={{ flex: 1, minWidth: 260 }}>
          Workspace folder (mounted at /workspace)
          <input
            type="text"
            required
            value={workspace}
            onChange={(e) => setWorkspace(e.target.value)}
            placeholder="/home/me/projects/app"
            aria-label="Workspace folder"
          />
        </label>
        <label className="field">
          Name
          <input
            type="text"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="(from template)"
          />
        </label>
      </div>
      {info ? <p className="small muted">{info.description}</p> : null}
      <label className="field">
        Command (optional; the template's by default)
        <input
          type="text"
          value={command}
          onChange={(e) => setCommand(e.target.value)}
          placeholder={info?.command.join(' ') || 'sleep infinity'}
          aria-label="Command"
        />
      </label>
      <details>
        <summary className="small">Limits (defaults from Settings)</summary>
        <div className="row" style={{ marginTop: 6 }}>
          <label className="field">
            Memory MB
            <input type="number" min={64} value={memoryMb} onChange={(e) => setMemoryMb(e.target.value)} />
          </label>
          <label className="field">
            CPUs
            <input
              type="number"
              min={0.1}
              step={0.1}
              value={cpus}
              onChange={(e) => setCpus(e.target.value)}
            />
          </label>
          <label className="field">
            Processes
            <input type="number" min={16} value={pids} onChange={(e) => setPids(e.target.value)} />
          </label>
        </div>
      </details>
      <div>
        <button className="btn primary" type="submit" disabled={create.isPending || !chosen}>
          {create.isPending ? 'Creating…' : 'Create and start'}
        </button>
      </div>
    </form>
  );
}

/** Splits a command line on spaces, keeping "quoted parts" together. */
export function splitCommand(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}
