import { useEffect, useRef } from 'react';
import { basicSetup } from 'codemirror';
import { EditorView } from '@codemirror/view';
import { EditorState } from '@codemirror/state';
import { yaml } from '@codemirror/lang-yaml';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import type { PolicyProblem } from '../../../../shared/policy/schema.js';

/**
 * CodeMirror 6 with the YAML language; problems come from the core (policy.validate) as the
 * person types, so the editor and the enforcer never disagree about what is valid.
 */
export function YamlEditor({
  value,
  onChange,
  validate,
}: {
  value: string;
  onChange: (text: string) => void;
  validate: (text: string) => Promise<PolicyProblem[]>;
}) {
  const box = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef({ onChange, validate });
  latest.current = { onChange, validate };

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const policyLinter = linter(
      async (v): Promise<Diagnostic[]> => {
        const doc = v.state.doc;
        let problems: PolicyProblem[];
        try {
          problems = await latest.current.validate(doc.toString());
        } catch (e) {
          return [
            { from: 0, to: 0, severity: 'warning', message: `Could not validate: ${(e as Error).message}` },
          ];
        }
        return problems.map((p) => {
          const line = doc.line(Math.min(Math.max(1, p.line), doc.lines));
          const from = Math.min(line.from + Math.max(0, p.column - 1), line.to);
          return {
            from,
            to: line.to > from ? line.to : from,
            severity: 'error',
            message: p.path ? `${p.path}: ${p.message}` : p.message,
          };
        });
      },
      { delay: 300 },
    );
    view.current = new EditorView({
      parent: el,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          yaml(),
          lintGutter(),
          policyLinter,
          EditorView.contentAttributes.of({ 'aria-label': 'Policy YAML' }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) latest.current.onChange(u.state.doc.toString());
          }),
        ],
      }),
    });
    return () => {
      view.current?.destroy();
      view.current = null;
    };
    // The editor owns its text after creation; outside changes come through the effect below.
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value)
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  return <div ref={box} className="editor" data-testid="policy-editor" />;
}
