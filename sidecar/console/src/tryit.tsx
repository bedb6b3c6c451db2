/**
 * Try it: a test call from the page, to a configured service (`POST /v1/invoke/{service}/{method}`) or, as in
 * dubbo-admin's test call, to any Dubbo interface by name (`POST /v1/dubbo/invoke`), through the app's own
 * routes; the answer, its status and its timing.
 */
import { useState } from 'preact/hooks';
import type { ServicesView } from '../../src/console/views.js';
import { fmt, postJson } from './api.js';
import { usePoll } from './panels.js';

interface InvokeAnswer {
  statusCode: number;
  ms: number;
  headers: Record<string, string>;
  body: unknown;
}

/** The target value that switches to an ad-hoc Dubbo call. */
const ADHOC = ' dubbo';

function field(name: string, label: string, value: string, set: (v: string) => void, placeholder = '') {
  return (
    <label>
      {label}
      <input name={name} value={value} placeholder={placeholder} onInput={(e) => set((e.target as HTMLInputElement).value)} />
    </label>
  );
}

export function TryItPage({ onError }: { onError: (e: unknown) => void }) {
  const services = usePoll<ServicesView>('services', 10_000, onError);
  const [target, setTarget] = useState('');
  const [method, setMethod] = useState('');
  const [args, setArgs] = useState('[]');
  const [adhoc, setAdhoc] = useState({ interface: '', version: '', group: '', parameterTypes: '', where: '' });
  const [answer, setAnswer] = useState<InvokeAnswer>();
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const list = services?.services.filter((s) => !s.adhoc) ?? [];
  const isAdhoc = target === ADHOC || (target === '' && list.length === 0);
  const chosen = isAdhoc ? undefined : (list.find((s) => s.name === target) ?? list[0]);
  const set = (key: keyof typeof adhoc) => (value: string) => setAdhoc({ ...adhoc, [key]: value });

  const body = (parsed: unknown): unknown => {
    if (!isAdhoc) return { service: chosen?.name, method, args: parsed };
    const where = adhoc.where.trim();
    return {
      dubbo: {
        interface: adhoc.interface.trim(),
        method,
        args: parsed,
        parameterTypes: adhoc.parameterTypes.split(',').map((t) => t.trim()).filter(Boolean),
        ...(adhoc.version.trim() ? { version: adhoc.version.trim() } : {}),
        ...(adhoc.group.trim() ? { group: adhoc.group.trim() } : {}),
        ...(where ? (/:\d+$/.test(where) ? { endpoint: where } : { registry: where }) : {}),
      },
    };
  };
  const send = async (e: Event) => {
    e.preventDefault();
    setProblem(undefined);
    let parsed: unknown;
    try {
      parsed = args.trim() === '' ? [] : JSON.parse(args);
    } catch (err) {
      setProblem(`The arguments are not JSON: ${(err as Error).message}`);
      return;
    }
    setBusy(true);
    try {
      setAnswer(await postJson<InvokeAnswer>('invoke', body(parsed)));
    } catch (err) {
      onError(err);
      setProblem((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="tryit">
      <form onSubmit={send}>
        <label>
          Call
          <select
            name="service"
            value={isAdhoc ? ADHOC : (chosen?.name ?? '')}
            onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}
          >
            {list.map((s) => (
              <option value={s.name}>
                {s.name} ({s.protocol})
              </option>
            ))}
            <option value={ADHOC}>a Dubbo interface by name (ad-hoc)</option>
          </select>
        </label>
        <label>
          Method
          <input
            name="method"
            list="methods"
            value={method}
            placeholder="method name"
            onInput={(e) => setMethod((e.target as HTMLInputElement).value)}
            required
          />
          <datalist id="methods">
            {chosen?.methods.map((m) => (
              <option value={m.name} />
            ))}
          </datalist>
        </label>
        {isAdhoc ? (
          <>
            {field('interface', 'Interface', adhoc.interface, set('interface'), 'com.example.UserService')}
            {field('parameterTypes', 'Parameter types (comma-separated)', adhoc.parameterTypes, set('parameterTypes'), 'java.lang.Long')}
            {field('version', 'Version', adhoc.version, set('version'))}
            {field('group', 'Group', adhoc.group, set('group'))}
            {field('where', 'Registry name or provider host:port (empty: the only registry)', adhoc.where, set('where'))}
          </>
        ) : null}
        <label class="wide">
          Arguments (JSON: an array of positional arguments, or what the protocol takes)
          <textarea name="args" rows={6} value={args} onInput={(e) => setArgs((e.target as HTMLTextAreaElement).value)} />
        </label>
        <button type="submit" disabled={busy || (!isAdhoc && !chosen)}>
          {busy ? 'Calling…' : 'Invoke'}
        </button>
      </form>
      {problem ? <p class="bad">{problem}</p> : null}
      {answer ? (
        <section class="answer" data-status={answer.statusCode}>
          <h3>
            <span class={answer.statusCode < 400 ? 'ok' : 'bad'}>{answer.statusCode}</span> in <span class="ms">{fmt.ms(answer.ms)}</span>
            {answer.headers['x-ferry-error'] ? <span class="bad mono"> {answer.headers['x-ferry-error']}</span> : null}
          </h3>
          <pre class="body">{JSON.stringify(answer.body, null, 2)}</pre>
        </section>
      ) : null}
    </div>
  );
}
