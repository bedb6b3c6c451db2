/** The embedded default config of `npm start`: one HTTP service, `demo`, served by the demo upstream. */
export function demoConfigYaml(upstreamUrl: string): string {
  return `# Ferry's embedded demo config (used when no --config is given)
services:
  demo:
    protocol: http
    endpoints: ["${upstreamUrl}"]
    timeoutMs: 2000
`;
}
