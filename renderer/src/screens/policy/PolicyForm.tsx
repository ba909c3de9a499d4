import { useMemo, useState } from 'react';
import { parseDocument, isMap, isSeq, type Document } from 'yaml';
import { appendItem, deleteKey, removeItem, setScalar } from './yaml-edit.js';

type Path = (string | number)[];

function read(doc: Document, path: Path): unknown {
  const v = doc.getIn(path);
  return v && typeof v === 'object' && 'toJSON' in v ? (v as { toJSON(): unknown }).toJSON() : v;
}

const asText = (v: unknown): string =>
  v === undefined || v === null
    ? ''
    : Array.isArray(v)
      ? v.join(', ')
      : typeof v === 'object'
        ? JSON.stringify(v)
        : String(v);

/**
 * The same policy as a form. Edits go through the YAML document model, so comments and the
 * parts the form does not show survive; the YAML view and this view are one text.
 */
export function PolicyForm({ value, onChange }: { value: string; onChange: (text: string) => void }) {
  const doc = useMemo(() => parseDocument(value), [value]);
  const [newId, setNewId] = useState('');
  if (doc.errors.length) {
    return (
      <div className="state error">
        The YAML does not parse ({doc.errors[0]!.message}); fix it in the YAML view.
      </div>
    );
  }
  // In-place text edits keep comments and layout; only if one cannot be made in place is the
  // document re-serialised (the diff view then shows the reflow honestly).
  const edit = (path: Path, v: string | number | undefined) => {
    const inPlace = v === '' || v === undefined ? deleteKey(value, path) : setScalar(value, path, v);
    if (inPlace !== null) return onChange(inPlace);
    const d = parseDocument(value);
    if (v === '' || v === undefined) d.deleteIn(path);
    else d.setIn(path, v);
    onChange(d.toString({ lineWidth: 0 }));
  };
  const removeAt = (key: string, i: number) => {
    const inPlace = removeItem(value, key, i);
    if (inPlace !== null) return onChange(inPlace);
    const d = parseDocument(value);
    const seq = d.get(key);
    if (isSeq(seq)) seq.delete(i);
    onChange(d.toString({ lineWidth: 0 }));
  };
  const rules = doc.get('rules');
  const limits = doc.get('limits');
  const ruleCount = isSeq(rules) ? rules.items.length : 0;
  const limitCount = isSeq(limits) ? limits.items.length : 0;

  return (
    <div className="stack" aria-label="Policy form">
      <h2>Rules</h2>
      <p className="small muted">
        Deny by default; deny &gt; approve &gt; allow. Matchers (agent, llm, mcp, http, when) are edited in
        the YAML view.
      </p>
      <table className="list" aria-label="Rules">
        <thead>
          <tr>
            <th>Id</th>
            <th>Effect</th>
            <th>Mode</th>
            <th>Service</th>
            <th>Agent</th>
            <th>Description</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: ruleCount }, (_, i) => {
            const id = asText(read(doc, ['rules', i, 'id']));
            return (
              <tr key={`${i}-${id}`} data-testid={`rule-${id}`}>
                <td className="mono">{id}</td>
                <td>
                  <select
                    aria-label={`Effect of ${id}`}
                    value={asText(read(doc, ['rules', i, 'effect']))}
                    onChange={(e) => edit(['rules', i, 'effect'], e.target.value)}
                  >
                    <option value="allow">allow</option>
                    <option value="approve">approve</option>
                    <option value="deny">deny</option>
                  </select>
                </td>
                <td>
                  <select
                    aria-label={`Mode of ${id}`}
                    value={asText(read(doc, ['rules', i, 'mode'])) || 'enforce'}
                    onChange={(e) =>
                      edit(['rules', i, 'mode'], e.target.value === 'enforce' ? undefined : e.target.value)
                    }
                  >
                    <option value="enforce">enforce</option>
                    <option value="observe">observe</option>
                  </select>
                </td>
                <td className="mono small">
                  {asText(read(doc, ['rules', i, 'service'])) ||
                    asText(read(doc, ['rules', i, 'serviceKind']))}
                </td>
                <td className="mono small">{asText(read(doc, ['rules', i, 'agent']))}</td>
                <td>
                  <input
                    type="text"
                    aria-label={`Description of ${id}`}
                    defaultValue={asText(read(doc, ['rules', i, 'description']))}
                    onBlur={(e) => {
                      if (e.target.value !== asText(read(doc, ['rules', i, 'description'])))
                        edit(['rules', i, 'description'], e.target.value);
                    }}
                  />
                </td>
                <td>
                  <button
                    className="btn small"
                    aria-label={`Delete rule ${id}`}
                    onClick={() => removeAt('rules', i)}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (!newId) return;
          const fields = { id: newId, effect: 'deny', service: '*' };
          const inPlace = appendItem(value, 'rules', fields);
          if (inPlace !== null) onChange(inPlace);
          else {
            const d = parseDocument(value);
            if (!isMap(d.contents)) return;
            const seq = d.get('rules');
            if (isSeq(seq)) seq.add(d.createNode(fields));
            else d.set('rules', d.createNode([fields]));
            onChange(d.toString({ lineWidth: 0 }));
          }
          setNewId('');
        }}
      >
        <label className="field">
          New rule id
          <input
            type="text"
            value={newId}
            onChange={(e) => setNewId(e.target.value)}
            placeholder="deny-github-writes"
          />
        </label>
        <button className="btn" type="submit">
          Add rule
        </button>
      </form>

      <h2>Limits</h2>
      {limitCount === 0 ? <p className="muted small">No limits.</p> : null}
      <table className="list" aria-label="Limits">
        <tbody>
          {Array.from({ length: limitCount }, (_, i) => {
            const id = asText(read(doc, ['limits', i, 'id']));
            const num = (k: string) => (
              <label className="field">
                {k}
                <input
                  type="number"
                  aria-label={`${k} of ${id}`}
                  defaultValue={asText(read(doc, ['limits', i, k]))}
                  onBlur={(e) =>
                    edit(['limits', i, k], e.target.value === '' ? undefined : Number(e.target.value))
                  }
                />
              </label>
            );
            return (
              <tr key={`${i}-${id}`}>
                <td className="mono">{id}</td>
                <td className="mono small">
                  {asText(read(doc, ['limits', i, 'agent'])) || 'all agents'} ·{' '}
                  {asText(read(doc, ['limits', i, 'service'])) || 'all services'}
                </td>
                <td>{num('requestsPerMinute')}</td>
                <td>{num('tokensPerDay')}</td>
                <td>{num('costUsdPerDay')}</td>
                <td>
                  <button
                    className="btn small"
                    aria-label={`Delete limit ${id}`}
                    onClick={() => removeAt('limits', i)}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
