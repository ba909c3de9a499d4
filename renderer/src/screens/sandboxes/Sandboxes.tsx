import { NotAvailable } from '../../components/states.js';

export default function Sandboxes() {
  return (
    <div className="stack">
      <h1>Sandboxes</h1>
      <NotAvailable what="Sandboxes" procedures={'sandboxes.list, sandboxes.create'.split(', ')} />
    </div>
  );
}
