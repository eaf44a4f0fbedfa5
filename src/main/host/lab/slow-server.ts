// A loopback HTTP server that answers every request after a delay: the "remote" side of the
// lab's fetch experiment. /warm answers at once (the warm-up only needs the fetching code loaded).
import { createServer } from 'node:http'
import type { SlowServer } from './experiment.ts'

export async function startSlowServer(delayMs: number): Promise<SlowServer & { close(): void }> {
  const server = createServer((req, res) => {
    setTimeout(() => res.end('corelane lab: a slow answer\n'), req.url === '/warm' ? 0 : delayMs)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}/slow`,
    port,
    warmUrl: `http://127.0.0.1:${port}/warm`,
    close: () => server.close(),
  }
}
