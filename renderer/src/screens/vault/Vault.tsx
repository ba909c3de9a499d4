import { NotAvailable } from '../../components/states.js';

export default function Vault() {
  return (
    <div className="stack">
      <h1>Vault</h1>
      <NotAvailable what="The token vault" procedures={'vault.status, vault.list'.split(', ')} />
    </div>
  );
}
