/** The console's pages other than the graph: Services, Registries, Recent errors, Try it, Config. */
import { useEffect, useState } from 'preact/hooks';
import type { ConfigView, ErrorsView, Figures, MethodView, RegistryView, ServicesView, ServiceView } from '../../src/console/views.js';
import { fmt, getJson } from './api.js';

/** Fetches `path` now and every `everyMs` while the page is shown. */
export function usePoll<T>(path: string, everyMs: number, onError: (e: unknown) => void): T | undefined {
  const [data, setData] = useState<T>();
  useEffect(() => {
    let stop = false;
    const load = () =>
      getJson<T>(path).then(
        (d) => !stop && setData(d),
        (e) => !stop && onError(e),
      );
    void load();
    const timer = setInterval(load, everyMs);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [path]);
  return data;
}

function FigureCells({ f }: { f: Figures }) {
  return (
    <>
      <td class="num">{fmt.rps(f.rps)}</td>
      <td class={`num ${f.errorRate >= 0.05 ? 'bad' : f.errorRate > 0 ? 'warn' : ''}`}>{fmt.pct(f.errorRate)}</td>
      <td class="num">{fmt.ms(f.p50Ms)}</td>
      <td class="num">{fmt.ms(f.p99Ms)}</td>
    </>
  );
}

const FIGURE_HEADS = (
  <>
    <th class="num">req/s</th>
    <th class="num">errors</th>
    <th class="num">p50</th>
    <th class="num">p99</th>
  </>
);

function Methods({ methods }: { methods: MethodView[] }) {
  if (methods.length === 0) return <p class="muted">No calls yet, no declared methods.</p>;
  return (
    <table class="methods">
      <thead>
        <tr>
          <th>method</th>
          {FIGURE_HEADS}
        </tr>
      </thead>
      <tbody>
        {methods.map((m) => (
          <tr data-method={m.name}>
            <td>
              {m.name}
              {m.declared ? <span class="tag">declared</span> : null}
            </td>
            <FigureCells f={m} />
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Service({ s, open }: { s: ServiceView; open: boolean }) {
  return (
    <details class="service" open={open} data-service={s.name}>
      <summary>
        <strong>{s.label}</strong>
        <span class="tag">{s.protocol}</span>
        <span class="tag">{s.discovery}</span>
        {s.adhoc ? <span class="tag">ad-hoc</span> : null}
        <span class="muted">
          {s.interface ? `${s.interface}${s.version ? `:${s.version}` : ''}${s.group ? ` group ${s.group}` : ''} · ` : ''}
          {s.loadBalancer} · timeout {s.timeoutMs} ms · {s.retries} retries
        </span>
        <span class="figures">
          {fmt.rps(s.rps)}/s · {fmt.pct(s.errorRate)} · p99 {fmt.ms(s.p99Ms)}
        </span>
      </summary>
      <h4>Endpoints</h4>
      {s.endpoints.length === 0 ? (
        <p class="bad">No endpoints: discovery knows no provider.</p>
      ) : (
        <table class="endpoints">
          <thead>
            <tr>
              <th>address</th>
              <th>state</th>
              <th class="num">weight</th>
              <th>version</th>
              <th>group</th>
              <th class="num">in flight</th>
              {FIGURE_HEADS}
              <th>last error</th>
            </tr>
          </thead>
          <tbody>
            {s.endpoints.map((e) => (
              <tr data-endpoint={e.id} data-state={e.state}>
                <td title={e.address}>{e.id}</td>
                <td class={e.state === 'up' ? 'ok' : 'bad'}>{e.state}</td>
                <td class="num">{e.weight}</td>
                <td>{e.version ?? '–'}</td>
                <td>{e.group ?? '–'}</td>
                <td class="num">{e.inFlight}</td>
                <FigureCells f={e} />
                <td class="err">{e.lastError ? `${e.lastError.code} (${fmt.ago(e.lastError.at)}): ${e.lastError.message}` : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h4>Methods</h4>
      <Methods methods={s.methods} />
    </details>
  );
}

export function ServicesPage({ focus, onError }: { focus?: string; onError: (e: unknown) => void }) {
  const data = usePoll<ServicesView>('services', 2000, onError);
  if (!data) return <p class="muted">Loading…</p>;
  return (
    <div>
      <h2>Outbound services</h2>
      {data.services.length === 0 ? (
        <p class="muted">No services configured.</p>
      ) : (
        data.services.map((s) => <Service key={s.name} s={s} open={focus === undefined || focus === s.name} />)
      )}
      <h2>Inbound (Ferry as a provider)</h2>
      {data.inbound.length === 0 ? (
        <p class="muted">No inbound services (inbound.dubbo).</p>
      ) : (
        data.inbound.map((i) => (
          <details class="service" open data-inbound={i.interface}>
            <summary>
              <strong>{i.interface}</strong>
              <span class="tag">{i.protocol}</span>
              <span class="figures">
                {fmt.rps(i.rps)}/s · {fmt.pct(i.errorRate)} · p99 {fmt.ms(i.p99Ms)}
              </span>
            </summary>
            <Methods methods={i.methods} />
          </details>
        ))
      )}
      <h3>Callers</h3>
      {data.callers.length === 0 ? (
        <p class="muted">No inbound calls yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>application</th>
              {FIGURE_HEADS}
            </tr>
          </thead>
          <tbody>
            {data.callers.map((c) => (
              <tr data-caller={c.name}>
                <td>{c.name}</td>
                <FigureCells f={c} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function RegistriesPage({ onError }: { onError: (e: unknown) => void }) {
  const data = usePoll<{ registries: RegistryView[] }>('registries', 2000, onError);
  if (!data) return <p class="muted">Loading…</p>;
  if (data.registries.length === 0) return <p class="muted">No registries configured: every service has static endpoints.</p>;
  return (
    <div>
      {data.registries.map((r) => (
        <section class="registry" data-registry={r.name} data-state={r.state}>
          <h2>
            {r.name} <span class="tag">{r.type}</span> <span class={r.state === 'connected' ? 'ok' : 'bad'}>{r.state}</span>
          </h2>
          <p class="muted">
            {r.address} · root {r.root} · session {r.sessionId ?? '–'} · generation {r.generation} · state since {fmt.time(r.since)}
          </p>
          <h4>Watched</h4>
          {r.watched.length === 0 ? (
            <p class="muted">Nothing watched.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>path</th>
                  <th>services</th>
                  <th class="num">providers</th>
                  <th>last change</th>
                </tr>
              </thead>
              <tbody>
                {r.watched.map((w) => (
                  <tr>
                    <td class="mono">{w.path}</td>
                    <td>{w.services.join(', ')}</td>
                    <td class="num">{w.endpoints}</td>
                    <td>{w.lastChange ? `${fmt.time(w.lastChange)} (${fmt.ago(w.lastChange)})` : 'none since start'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h4>Registered by Ferry</h4>
          {r.registered.length === 0 ? <p class="muted">Nothing.</p> : <ul class="mono">{r.registered.map((p) => <li>{p}</li>)}</ul>}
        </section>
      ))}
    </div>
  );
}

export function ErrorsPage({ onError }: { onError: (e: unknown) => void }) {
  const data = usePoll<ErrorsView>('errors', 2000, onError);
  if (!data) return <p class="muted">Loading…</p>;
  if (data.errors.length === 0) return <p class="muted">No failed calls since start.</p>;
  return (
    <table class="errors">
      <thead>
        <tr>
          <th>time</th>
          <th>direction</th>
          <th>service / method</th>
          <th>code</th>
          <th>message</th>
          <th>upstream</th>
          <th>trace</th>
        </tr>
      </thead>
      <tbody>
        {data.errors.map((e) => (
          <tr data-code={e.code}>
            <td>{fmt.time(e.at)}</td>
            <td>{e.direction === 'inbound' ? `in from ${e.caller}` : `out${e.endpoint ? ` to ${e.endpoint}` : ''}`}</td>
            <td>
              {e.service} / {e.method}
            </td>
            <td class="bad mono">{e.code}</td>
            <td>{e.message}</td>
            <td class="mono">{e.upstream === undefined ? '–' : JSON.stringify(e.upstream)}</td>
            <td class="mono">
              {e.traceId ? (
                data.zipkin ? (
                  <a href={`${data.zipkin}${e.traceId}`} target="_blank" rel="noreferrer">
                    {e.traceId}
                  </a>
                ) : (
                  e.traceId
                )
              ) : (
                '–'
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ConfigPage({ onError }: { onError: (e: unknown) => void }) {
  const data = usePoll<ConfigView>('config', 5000, onError);
  if (!data) return <p class="muted">Loading…</p>;
  return (
    <div>
      <p>
        Running since {new Date(data.startedAt).toLocaleString()}. Last reload:{' '}
        {data.lastReload ? (
          <span class={data.lastReload.ok ? 'ok' : 'bad'} data-reload={data.lastReload.ok ? 'ok' : 'refused'}>
            {data.lastReload.ok ? 'applied' : 'refused'} at {fmt.time(data.lastReload.at)}: {data.lastReload.message}
          </span>
        ) : (
          'none since start'
        )}
      </p>
      <pre class="config">{JSON.stringify(data.config, null, 2)}</pre>
    </div>
  );
}
