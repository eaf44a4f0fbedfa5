// The raw baseline for process start-up: a forked child that answers each message with itself.
// It is the least a process executor can do, so cold start is reported against it.
process.on('message', (message) => process.send(message))
process.on('disconnect', () => process.exit(0))
