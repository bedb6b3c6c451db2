/**
 * JSON from a foreign peer (Kubernetes objects, a Java consumer's JSON lines, an admin API body) that a test reads
 * field by field in its assertions. The assertions are the check; typing each foreign shape a second time would only
 * restate them, so this one alias is the suite's single `any`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PeerJson = any;
