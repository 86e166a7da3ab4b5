/** Why a stream closed (stream_close `type`). */
export const streamCloseReasons = {
  0: 'normal',
  1: 'heartbeat_timeout',
  2: 'relogin',
  3: 'kicked_by_api',
  4: 'tcp_disconnected',
  5: 'room_cleared',
  100: 'deleted_by_api',
} as const

/** Why a room closed (room_close `close_reason`). */
export const roomCloseReasons = {
  0: 'normal',
  1: 'last_user_heartbeat_timeout',
  2: 'last_user_offline',
  3: 'last_user_kicked',
} as const

/** Why a user left a room (room_logout `reason`). */
export const logoutReasons = {
  0: 'normal',
  1: 'heartbeat_timeout',
  2: 'disconnected',
  3: 'relogin_or_kicked',
  4: 'token_expired',
} as const

/** A user's role in a room (`user_role`). */
export const userRoles = { 1: 'host', 2: 'audience', 4: 'admin' } as const

/** The user's device or platform (room_login `term_type`). */
export const terminalTypes = {
  0: 'none',
  1: 'pc',
  2: 'ios',
  3: 'android',
  4: 'mac',
  5: 'linux',
  6: 'web',
  7: 'mini_program',
  32: 'unknown',
} as const

type NameOf<Table> = Table[keyof Table] | 'undocumented'

/** Readable name of a stream close `type`; `'undocumented'` for a code ZEGO's documentation does not list. */
export type StreamCloseReason = NameOf<typeof streamCloseReasons>
/** Readable name of a room `close_reason`. */
export type RoomCloseReason = NameOf<typeof roomCloseReasons>
/** Readable name of a logout `reason`. */
export type LogoutReason = NameOf<typeof logoutReasons>
/** Readable name of a `user_role`. */
export type UserRole = NameOf<typeof userRoles>
/** Readable name of a `term_type`. */
export type TerminalType = NameOf<typeof terminalTypes>

/**
 * The readable name of `code` in `table`, `'undocumented'` for a code the table does not list
 * (distinct from the terminal type ZEGO itself calls `unknown`, code 32).
 */
export function nameOf<Table extends Readonly<Record<number, string>>>(table: Table, code: number): NameOf<Table> {
  return (Object.hasOwn(table, code) ? table[code as keyof Table] : 'undocumented') as NameOf<Table>
}
