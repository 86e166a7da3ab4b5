// A Worker whose first callback's listener is quick and later ones' slow, for the test that every
// request's deadline still fires in workerd, where a request's timers end with its answer.
import { zegoCallbacks } from '../../adapters/fetch.js'

let zego: ReturnType<typeof zegoCallbacks> | undefined

export default {
  fetch(request: Request): Promise<Response> {
    zego ??= zegoCallbacks({ secret: 'deadline-secret', listenerTimeoutMs: 300, logger: false })
      .on('streamCreated', () => new Promise((resolve) => setTimeout(resolve, 10)))
      .on('mixStarted', () => new Promise((resolve) => setTimeout(resolve, 2_000)))
    return zego(request)
  },
}
