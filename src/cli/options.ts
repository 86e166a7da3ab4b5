import type { ZegoProduct } from '../envelope.js'
import { didYouMean } from '../names.js'

/** A mistake in the command line: said with the usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** Where callbacks go when `--url` is not given: the examples' address. */
export const DEFAULT_URL = 'http://127.0.0.1:3000/zego/callback'

const products = [
  'rtc',
  'zim',
  'ai_agent',
  'asr',
  'cloud_recording',
  'cloud_player',
  'digital_human',
  'rtc_moderation',
  'rtc_transcoding',
  'other',
] as const satisfies readonly ZegoProduct[]

/** `--secret`, else ZEGO_CALLBACK_SECRET; a `UsageError` when neither is set. */
export function secretFrom(option: string | undefined, why: string): string {
  const secret = option ?? process.env['ZEGO_CALLBACK_SECRET']
  if (secret === undefined || secret === '') throw new UsageError(`${why} needs the CallbackSecret: pass --secret or set ZEGO_CALLBACK_SECRET`)
  return secret
}

/** A `--product` value, checked. */
export function productFrom(option: string | undefined): ZegoProduct | undefined {
  if (option === undefined || (products as readonly string[]).includes(option)) return option as ZegoProduct | undefined
  throw new UsageError(`there is no product '${option}'.${didYouMean(option, products)} Products: ${products.join(', ')}`)
}

/** A whole number option of at least `min`. */
export function countFrom(name: string, option: string | undefined, fallback: number, min: number): number {
  if (option === undefined) return fallback
  const value = Number(option)
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--${name} takes a whole number from ${min}, got '${option}'`)
  return value
}

/** A number option: a finite one of at least 0, or `Infinity` when allowed. */
export function numberFrom(name: string, option: string | undefined, fallback: number, infinite = false): number {
  if (option === undefined) return fallback
  const value = Number(option)
  if (Number.isNaN(value) || value < 0 || (!infinite && !Number.isFinite(value)) || option.trim() === '') {
    throw new UsageError(`--${name} takes a number from 0${infinite ? ' (or Infinity)' : ''}, got '${option}'`)
  }
  return value
}
