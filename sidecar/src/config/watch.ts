import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface FileWatch {
  close(): void;
}

/**
 * Calls `onChange` (debounced) whenever one of `files` may have changed: written in place, replaced by a
 * rename (editors, `sed -i`), or reached through a swapped symlink (Kubernetes ConfigMap and Secret volumes:
 * `name -> ..data/name`, the kubelet renames a new `..data` over the old). Watching the file itself would
 * follow the first inode only and go deaf after one replacement; the folder holding the name keeps seeing
 * every one. Only events for the watched names and for `..`-names (the kubelet's `..data` and its timestamped
 * folders) fire: other files written in the same folder (logs, a load generator's results) would otherwise wake
 * the process and reset the debounce on every write. The caller compares contents.
 */
export function watchFiles(files: string[], onChange: () => void, debounceMs = 200): FileWatch {
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const fire = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  const watchers = new Map<string, FSWatcher>();
  const arm = (dir: string) => {
    if (closed) return;
    try {
      const names = namesIn.get(dir)!;
      const w = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || names.has(name) || name.startsWith('..')) fire();
      });
      // The folder itself went away (unmounted, recreated): look again shortly, and check the file then.
      w.on('error', () => {
        w.close();
        watchers.delete(dir);
        setTimeout(() => {
          arm(dir);
          fire();
        }, 1000).unref();
      });
      watchers.set(dir, w);
    } catch {
      setTimeout(() => arm(dir), 1000).unref();
    }
  };
  const namesIn = new Map<string, Set<string>>();
  for (const file of files.map((f) => resolve(f))) {
    const names = namesIn.get(dirname(file)) ?? new Set<string>();
    namesIn.set(dirname(file), names.add(basename(file)));
  }
  for (const dir of namesIn.keys()) arm(dir);
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
