/** ZEGO's retry schedule, in seconds after the previous try: five retries, then the callback is lost. */
export const ZEGO_RETRY_SCHEDULE_S = [2, 4, 8, 16, 32] as const

/** What one POST came to: the status and body text, or why there was no answer. */
export type Answer = { status: number; text: string; ms: number } | { error: string; ms: number }

/** Whether ZEGO would count `answer` as delivered: any 2xx. */
export function delivered(answer: Answer): boolean {
  return 'status' in answer && answer.status >= 200 && answer.status < 300
}

/** Posts one body, as ZEGO does; never throws (no answer is an answer too, and ZEGO retries it). */
export async function post(url: string, contentType: string, body: string): Promise<Answer> {
  const started = performance.now()
  const ms = () => Math.round(performance.now() - started)
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body, signal: AbortSignal.timeout(30_000) })
    return { status: response.status, text: await response.text(), ms: ms() }
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause
    return { error: String(cause?.code ?? cause?.message ?? (error as Error).message), ms: ms() }
  }
}

/** One line for an answer: `200 {"ok":true} (3 ms)`. */
export function describeAnswer(answer: Answer): string {
  return 'status' in answer ? `${answer.status} ${answer.text} (${answer.ms} ms)` : `no answer: ${answer.error} (${answer.ms} ms)`
}

/**
 * Posts a body and, with `retries`, posts it again on ZEGO's schedule (waits multiplied by
 * `scale`) until an answer is 2xx or the schedule is spent; calls `report` with each answer.
 */
export async function postWithRetries(
  url: string,
  contentType: string,
  body: string,
  options: { retries: boolean; scale: number; report: (answer: Answer, retry: number, waitedS: number) => void },
): Promise<boolean> {
  let answer = await post(url, contentType, body)
  options.report(answer, 0, 0)
  for (let retry = 1; options.retries && !delivered(answer) && retry <= ZEGO_RETRY_SCHEDULE_S.length; retry++) {
    const waitS = (ZEGO_RETRY_SCHEDULE_S[retry - 1] as number) * options.scale
    await new Promise((resolve) => setTimeout(resolve, waitS * 1000))
    answer = await post(url, contentType, body)
    options.report(answer, retry, waitS)
  }
  return delivered(answer)
}
