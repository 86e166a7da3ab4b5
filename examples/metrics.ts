// Prometheus metrics of the callbacks with prom-client: copy it into your app.
//   const metrics = zegoMetrics(zego)            // zego: the middleware or a ZegoReceiver
//   app.get('/metrics', async (_req, res) => res.type(metrics.registry.contentType).send(await metrics.registry.metrics()))
import { tracingChannel } from 'node:diagnostics_channel'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { CALLBACK_TRACING_CHANNEL, ZegoReceiver, type CallbackTrace } from 'zego-callbacks'

/** The metrics of one receiver, on `registry`; `stop()` stops counting. */
export function zegoMetrics(zego: ZegoReceiver | { receiver: ZegoReceiver }, registry = new Registry()) {
  const receiver = zego instanceof ZegoReceiver ? zego : zego.receiver
  const registers = [registry]
  const received = new Counter({
    name: 'zego_callbacks_received_total',
    help: 'Requests received on the callback path, by status answered (every receiver of the process)',
    labelNames: ['status'],
    registers,
  })
  const delivered = new Counter({ name: 'zego_callbacks_delivered_total', help: 'Callbacks delivered: every listener succeeded', labelNames: ['event'], registers })
  const duplicates = new Counter({
    name: 'zego_callbacks_duplicates_total',
    help: 'Repeats of delivered callbacks, answered 200 without running the listeners',
    labelNames: ['event', 'matched_by'],
    registers,
  })
  const rejected = new Counter({ name: 'zego_callbacks_rejected_total', help: 'Requests not answered 2xx', labelNames: ['reason', 'status'], registers })
  const errors = new Counter({ name: 'zego_callbacks_errors_total', help: 'Failures no answer reported (see the error event)', labelNames: ['reason'], registers })
  new Gauge({
    name: 'zego_callbacks_in_flight',
    help: 'Verified callbacks being handled now (listeners still running after a deadline included)',
    registers,
    collect() {
      this.set(receiver.inFlight)
    },
  })
  const duration = new Histogram({
    name: 'zego_callbacks_delivery_duration_seconds',
    help: 'From the arrival of a delivered callback to its answer: its listeners, mostly',
    labelNames: ['event'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  })

  const onDelivered = ({ event, durationMs }: { event: string; durationMs: number }) => {
    delivered.inc({ event })
    duration.observe({ event }, durationMs / 1000)
  }
  const onDuplicate = ({ event, matchedBy }: { event: string; matchedBy: string }) => duplicates.inc({ event, matched_by: matchedBy })
  const onRejected = ({ reason, status }: { reason: string; status: number }) => rejected.inc({ reason, status })
  const onError = ({ error }: { error: { code: string } }) => errors.inc({ reason: error.code })
  receiver.on('delivered', onDelivered).on('duplicate', onDuplicate).on('rejected', onRejected).on('error', onError)

  // Every request, refused ones included, from the tracing channel: no listener to add, nothing to patch.
  const channel = tracingChannel<unknown, CallbackTrace>(CALLBACK_TRACING_CHANNEL)
  const onAnswered = (trace: unknown) => received.inc({ status: (trace as CallbackTrace).status ?? 0 })
  channel.asyncEnd.subscribe(onAnswered)

  return {
    registry,
    stop() {
      channel.asyncEnd.unsubscribe(onAnswered)
      receiver.off('delivered', onDelivered).off('duplicate', onDuplicate).off('rejected', onRejected).off('error', onError)
    },
  }
}
