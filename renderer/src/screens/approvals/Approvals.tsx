import { NotAvailable } from '../../components/states.js';

export default function Approvals() {
  return (
    <div className="stack">
      <h1>Approvals</h1>
      <NotAvailable what="Approvals" procedures={['approvals.list', 'approvals.answer']} />
    </div>
  );
}
