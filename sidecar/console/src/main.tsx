/** The Ferry console: a sign-in when the admin token is set, then the graph (live, over SSE) and the other pages. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Graph, GraphNode } from '../../src/console/views.js';
import { getJson, postJson, SignedOut } from './api.js';
import { GraphView } from './graph.js';
import { ConfigPage, ErrorsPage, RegistriesPage, ServicesPage } from './panels.js';
import { TryItPage } from './tryit.js';
import './style.css';

const PAGES = ['graph', 'services', 'registries', 'errors', 'try', 'config'] as const;
type Page = (typeof PAGES)[number];
const TITLES: Record<Page, string> = {
  graph: 'Graph',
  services: 'Services',
  registries: 'Registries',
  errors: 'Recent errors',
  try: 'Try it',
  config: 'Config',
};

function pageFromHash(): Page {
  const h = location.hash.replace(/^#\/?/, '').split('/')[0] as Page;
  return PAGES.includes(h) ? h : 'graph';
}

function SignIn({ onDone }: { onDone: () => void }) {
  const [token, setToken] = useState('');
  const [problem, setProblem] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await postJson('login', { token });
      onDone();
    } catch {
      setProblem('That is not the admin token.');
    }
  };
  return (
    <form class="signin" onSubmit={submit}>
      <h2>Sign in</h2>
      <p class="muted">This sidecar's admin API asks for its admin token (admin.token).</p>
      <input
        type="password"
        name="token"
        autocomplete="current-password"
        placeholder="admin token"
        value={token}
        onInput={(e) => setToken((e.target as HTMLInputElement).value)}
      />
      <button type="submit">Sign in</button>
      {problem ? <p class="bad">{problem}</p> : null}
    </form>
  );
}

function useLiveGraph(enabled: boolean, onSignedOut: () => void): { graph?: Graph; live: boolean } {
  const [graph, setGraph] = useState<Graph>();
  const [live, setLive] = useState(false);
  useEffect(() => {
    if (!enabled) return;
    const source = new EventSource('/admin/v1/events');
    source.addEventListener('graph', (e) => {
      setLive(true);
      setGraph(JSON.parse((e as MessageEvent<string>).data) as Graph);
    });
    source.onerror = () => {
      setLive(false);
      // a refused stream (401) shows up as an error: ask the API why
      getJson('session').catch((err) => err instanceof SignedOut && onSignedOut());
    };
    return () => source.close();
  }, [enabled]);
  return { ...(graph ? { graph } : {}), live };
}

function App() {
  const [page, setPage] = useState<Page>(pageFromHash());
  const [session, setSession] = useState<'unknown' | 'in' | 'out'>('unknown');
  const [application, setApplication] = useState('');
  const [focus, setFocus] = useState<string>();
  const check = () =>
    getJson<{ application: string }>('session').then(
      (s) => {
        setApplication(s.application);
        setSession('in');
      },
      (e) => setSession(e instanceof SignedOut ? 'out' : 'in'),
    );
  useEffect(() => void check(), []);
  useEffect(() => {
    const onHash = () => setPage(pageFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const onError = (e: unknown) => e instanceof SignedOut && setSession('out');
  const { graph, live } = useLiveGraph(session === 'in', () => setSession('out'));
  const pick = (n: GraphNode) => {
    const name = n.kind === 'service' ? n.id.slice('service:'.length) : n.service;
    if (!name) return;
    setFocus(name);
    location.hash = '#services';
  };
  const failing = graph?.nodes.filter((n) => n.health === 'failing' || n.health === 'down' || n.health === 'gone').length ?? 0;
  return (
    <>
      <header>
        <h1>
          <img src="favicon.svg" alt="" /> Ferry <span class="app">{application}</span>
        </h1>
        <nav>
          {PAGES.map((p) => (
            <a href={`#${p}`} class={p === page ? 'active' : ''} data-page={p}>
              {TITLES[p]}
            </a>
          ))}
        </nav>
        <span class={`live ${live ? 'on' : ''}`} data-live={live}>
          {live ? 'live' : 'offline'}
        </span>
      </header>
      <main>
        {session === 'out' ? (
          <SignIn onDone={() => void check()} />
        ) : session === 'unknown' ? (
          <p class="muted">Connecting…</p>
        ) : page === 'graph' ? (
          <section>
            <p class="legend">
              <span class="dot h-ok" /> healthy <span class="dot h-degraded" /> some errors <span class="dot h-failing" /> failing /
              down{' '}
              <span class="dot h-idle" /> idle
              <span class="muted">
                {' '}
                · figures over the last 10 s, line: req/s over the last minute ·{' '}
                {failing ? `${failing} node(s) need attention` : 'all well'}
              </span>
            </p>
            {graph ? <GraphView graph={graph} onPick={pick} /> : <p class="muted">Waiting for the first figures…</p>}
          </section>
        ) : page === 'services' ? (
          <ServicesPage {...(focus ? { focus } : {})} onError={onError} />
        ) : page === 'registries' ? (
          <RegistriesPage onError={onError} />
        ) : page === 'errors' ? (
          <ErrorsPage onError={onError} />
        ) : page === 'try' ? (
          <TryItPage onError={onError} />
        ) : (
          <ConfigPage onError={onError} />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('root')!);
