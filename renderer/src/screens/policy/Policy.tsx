import { NotAvailable } from '../../components/states.js';

export default function Policy() {
  return (
    <div className="stack">
      <h1>Policy</h1>
      <NotAvailable
        what="The policy editor"
        procedures={'policy.get, policy.validate, policy.apply'.split(', ')}
      />
    </div>
  );
}
