import type { LogFields, ZegoLogger } from '../../src/index.js'

/** One line a logger was given. */
export interface LogLine {
  level: keyof ZegoLogger
  fields: LogFields
  message: string
}

/** A logger that keeps every line it is given, for a test to read. */
export function captureLogger(): { logger: ZegoLogger; lines: LogLine[] } {
  const lines: LogLine[] = []
  const at = (level: keyof ZegoLogger) => (fields: LogFields, message: string) => {
    lines.push({ level, fields, message })
  }
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') }, lines }
}
