import { useCallback, useEffect, useState } from 'react';
import { create } from 'zustand';
import { call } from '../../api/client.js';
import { useAction, useAvailable, useProc } from '../../api/hooks.js';
import { Dialog } from '../../components/Dialog.js';
import { QueryView } from '../../components/states.js';
import { useUi } from '../../state/ui.js';
import type { PolicyProblem } from '../../../../shared/policy/schema.js';
import { DiffView } from './DiffView.js';
import { DryRun } from './DryRun.js';
import { History } from './History.js';
import { PolicyForm } from './PolicyForm.js';
import { YamlEditor } from './YamlEditor.js';

/** The draft survives switching screens; it is dropped on apply or revert. */
const useDraft = create<{ draft: string | null; set(d: string | null): void }>((set) => ({
  draft: null,
  set: (draft) => set({ draft }),
}));

type Tab = 'yaml' | 'form' | 'diff' | 'dryrun' | 'history';

export default function Policy() {
  const ok = useAvailable('policy.get', 'policy.validate', 'policy.apply');
  const live = useProc('policy.get', {});
  return (
    <div className="stack">
      <h1>Policy</h1>
      <QueryView
        query={live}
        available={ok}
        what="The policy editor"
        procedures={['policy.get', 'policy.validate', 'policy.apply']}
      >
        {(p) => <Editor liveYaml={p.yaml} version={p.version} author={p.author} createdAt={p.createdAt} />}
      </QueryView>
    </div>
  );
}

function Editor({
  liveYaml,
  version,
  author,
  createdAt,
}: {
  liveYaml: string;
  version: number;
  author: string;
  createdAt: string;
}) {
  const { draft, set } = useDraft();
  const text = draft ?? liveYaml;
  const dirty = draft !== null && draft !== liveYaml;
  const [tab, setTab] = useState<Tab>('yaml');
  const [problems, setProblems] = useState<PolicyProblem[] | null>(null);
  const [reviewing, setReviewing] = useState(false);
  const validate = useCallback(async (yaml: string) => {
    const r = await call('policy.validate', { yaml });
    setProblems(r.problems);
    return r.problems;
  }, []);
  useEffect(() => {
    void validate(text).catch(() => undefined);
    // Validate once on open (the text at that moment); the linter validates as the person types.
  }, [validate]);
  const tabs: [Tab, string][] = [
    ['yaml', 'YAML'],
    ['form', 'Form'],
    ['diff', dirty ? 'Diff vs live •' : 'Diff vs live'],
    ['dryrun', 'Dry run'],
    ['history', 'History'],
  ];
  return (
    <div className="stack">
      <div className="row">
        <span className="pill ok">live v{version}</span>
        <span className="muted small">
          by {author}, {new Date(createdAt).toLocaleString()}
        </span>
        <span className="right row">
          {problems === null ? null : problems.length === 0 ? (
            <span className="pill ok" data-testid="policy-valid">
              valid
            </span>
          ) : (
            <span className="pill bad" data-testid="policy-valid">
              {problems.length} problem(s)
            </span>
          )}
          <button className="btn" disabled={!dirty} onClick={() => set(null)}>
            Revert
          </button>
          <button
            className="btn primary"
            disabled={!dirty || (problems?.length ?? 0) > 0}
            onClick={() => setReviewing(true)}
          >
            Review and apply…
          </button>
        </span>
      </div>
      <div className="tabs" role="tablist" aria-label="Policy views">
        {tabs.map(([id, label]) => (
          <button key={id} role="tab" aria-selected={tab === id} onClick={() => setTab(id)}>
            {label}
          </button>
        ))}
      </div>
      {tab === 'yaml' ? <YamlEditor value={text} onChange={(t) => set(t)} validate={validate} /> : null}
      {tab === 'form' ? <PolicyForm value={text} onChange={(t) => set(t)} /> : null}
      {tab === 'diff' ? <DiffView before={liveYaml} after={text} label="Draft against live" /> : null}
      {tab === 'dryrun' ? <DryRun draft={text} /> : null}
      {tab === 'history' ? <History live={version} /> : null}
      {problems && problems.length > 0 && tab !== 'yaml' ? (
        <ul className="small" aria-label="Policy problems">
          {problems.map((p, i) => (
            <li key={i}>
              line {p.line}: {p.path ? `${p.path}: ` : ''}
              {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      {reviewing ? (
        <ApplyDialog
          liveYaml={liveYaml}
          draft={text}
          onClose={() => setReviewing(false)}
          onApplied={() => set(null)}
        />
      ) : null}
    </div>
  );
}

function ApplyDialog({
  liveYaml,
  draft,
  onClose,
  onApplied,
}: {
  liveYaml: string;
  draft: string;
  onClose: () => void;
  onApplied: () => void;
}) {
  const apply = useAction('policy.apply');
  const toast = useUi((s) => s.toast);
  const [note, setNote] = useState('');
  return (
    <Dialog label="Apply policy" onClose={onClose}>
      <h2>Apply this policy?</h2>
      <p className="small muted">
        New requests see it at once; requests in flight finish under the old version.
      </p>
      <DiffView before={liveYaml} after={draft} label="Changes to apply" />
      <label className="field" style={{ marginTop: 8 }}>
        Note
        <input
          type="text"
          value={note}
          onChange={(e) => setNote(e.target.value)}
          placeholder="why (shown in history)"
        />
      </label>
      <div className="row" style={{ justifyContent: 'flex-end', marginTop: 12 }}>
        <button className="btn" onClick={onClose}>
          Cancel
        </button>
        <button
          className="btn primary"
          disabled={apply.isPending}
          onClick={() =>
            apply.mutate(
              { yaml: draft, note },
              {
                onSuccess: (v) => {
                  toast('ok', `Policy v${v.version} is live.`);
                  onApplied();
                  onClose();
                },
                onError: (e) => toast('error', e.message),
              },
            )
          }
        >
          Apply
        </button>
      </div>
    </Dialog>
  );
}
