import { NotAvailable } from '../../components/states.js';

export default function Transcripts() {
  return (
    <div className="stack">
      <h1>Transcripts</h1>
      <NotAvailable
        what="Transcripts (the audit ledger)"
        procedures={'audit.runs, audit.run, audit.search'.split(', ')}
      />
    </div>
  );
}
