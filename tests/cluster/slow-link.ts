// A loopback TCP proxy in front of Redis whose client-to-server direction can be slowed: the
// network edge, made slow on purpose, so a test can hold an agent's Redis commands in flight
// (its read of the cancelled set, say) while the server's messages to it (pub/sub) still
// arrive at once. Bytes keep their order: a chunk never overtakes one sent before it.
import { createServer, connect, type Server, type Socket } from 'node:net'

export class SlowLink {
  /** Added to every chunk the clients send (0: forwarded at once). */
  delayMs = 0
  port = 0
  private server: Server | null = null
  private readonly sockets = new Set<Socket>()

  private readonly targetPort: number

  constructor(targetPort: number) {
    this.targetPort = targetPort
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  async start(): Promise<this> {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1')
      this.sockets.add(client).add(upstream)
      // One queue per connection, sent in order by one timer: two timers due in the same
      // millisecond may fire in either order, and Redis would get the commands out of turn.
      const queue: { chunk: Buffer; due: number }[] = []
      let timer: NodeJS.Timeout | null = null
      const pump = () => {
        timer = null
        while (queue.length && queue[0]!.due <= Date.now()) upstream.write(queue.shift()!.chunk)
        if (queue.length) timer = setTimeout(pump, queue[0]!.due - Date.now())
      }
      client.on('data', (chunk: Buffer) => {
        if (this.delayMs === 0 && queue.length === 0) return void upstream.write(chunk)
        queue.push({ chunk, due: Date.now() + this.delayMs })
        timer ??= setTimeout(pump, queue[0]!.due - Date.now())
      })
      upstream.pipe(client)
      const close = () => {
        client.destroy()
        upstream.destroy()
        this.sockets.delete(client)
        this.sockets.delete(upstream)
      }
      client.on('close', close).on('error', close)
      upstream.on('close', close).on('error', close)
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as { port: number }).port
    return this
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }
}
