/**
 * A trace context that holds one value and a link to its parent. The API's `BaseContext` copies its whole
 * `Map` and makes three closures on every `setValue` (~400 bytes), and every request sets a span twice (its
 * SERVER span, then each attempt's CLIENT span), traced or not. A lookup walks the chain instead: a request's
 * is three or four links long.
 */
import { ROOT_CONTEXT, type Context } from '@opentelemetry/api';

class LinkedContext implements Context {
  constructor(
    private readonly parent: Context,
    private readonly key?: symbol,
    private readonly value?: unknown,
  ) {}

  getValue(key: symbol): unknown {
    return key === this.key ? this.value : this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return new LinkedContext(this, key, value);
  }

  deleteValue(key: symbol): Context {
    return new LinkedContext(this, key, undefined);
  }
}

/** An empty context whose descendants are all linked ones (use it where `ROOT_CONTEXT` would be). */
export const LINKED_ROOT: Context = new LinkedContext(ROOT_CONTEXT);
