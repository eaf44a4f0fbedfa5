// workerpool's worker script: registers the same no-op as the other peers under the name `noop`.
import workerpool from 'workerpool'

workerpool.worker({
  noop() {
    return null
  },
})
