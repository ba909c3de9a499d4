import { useAvailable, useProc } from '../../api/hooks.js';
import { KillToggle } from '../../components/kill.js';
import { QueryView } from '../../components/states.js';

/** The upstreams the gateway routes to, each with its own kill switch. */
export function ServicesCard() {
  const ok = useAvailable('services.list');
  const services = useProc('services.list', {});
  return (
    <section className="card" aria-labelledby="services-h">
      <h3 id="services-h">Services</h3>
      <QueryView
        query={services}
        available={ok}
        what="The service list"
        procedures={['services.list']}
        empty="No services. Add one with `gatehouse service add`."
      >
        {(list) => (
          <table className="list" aria-label="Services">
            <tbody>
              {list.map((s) => (
                <tr key={s.name}>
                  <td>
                    <strong>{s.name}</strong>
                  </td>
                  <td className="muted small">{s.kind}</td>
                  <td className="small">
                    {s.credential ? `key: ${s.credential.credential}` : 'no credential'}
                  </td>
                  <td>
                    <KillToggle scope={{ kind: 'service', service: s.name }} label={`service ${s.name}`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
    </section>
  );
}
