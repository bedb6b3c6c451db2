/**
 * The release of one hold on a shared entry whose holds are counted in `entry.refs` (a registry copy, a ZooKeeper
 * registration, a Nacos poller): its first call counts, later ones do nothing. True for the call that let go of the
 * last hold: its caller then forgets and closes the entry.
 */
export function countedRelease(entry: { refs: number }): () => boolean {
  let released = false;
  return () => {
    if (released) return false;
    released = true;
    return --entry.refs <= 0;
  };
}
