/**
 * Loaded into a Ferry process with `--import` when the bench runs with `--profile DIR`: SIGUSR2 starts a CPU
 * profile and allocation sampling (objects the GC collected included, so it shows garbage, not just what
 * survives), the next SIGUSR2 stops both and writes DIR/<pid>-<n>.cpuprofile / .heapprofile, then <n>.done.
 * The bench toggles it around the closed-loop run, so start-up and warm-up stay out of the profile.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

const dir = process.env.FERRY_BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  let running = false;
  let n = 0;
  process.on('SIGUSR2', () => {
    running = !running;
    void (running ? start() : stop()).catch((err: unknown) => console.error('profile:', err));
  });
  const start = async () => {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 8192,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  };
  const stop = async () => {
    const { profile } = await session.post('Profiler.stop');
    const { profile: heap } = await session.post('HeapProfiler.stopSampling');
    const base = join(dir, `${process.pid}-${++n}`);
    await writeFile(`${base}.cpuprofile`, JSON.stringify(profile));
    await writeFile(`${base}.heapprofile`, JSON.stringify(heap));
    await writeFile(`${base}.done`, '');
  };
}
