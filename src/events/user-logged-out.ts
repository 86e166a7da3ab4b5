import { logoutReasons, nameOf, userRoles, type LogoutReason, type UserRole } from './codes.js'
import type { CallbackEnvelope } from './define.js'
import { defineEvent } from './define.js'
import { id, quantity, text } from './fields.js'

/** A user left a room (ZEGO `room_logout`). */
export interface UserLoggedOutEvent extends CallbackEnvelope {
  /** The room id. */
  roomId: string
  /** The room's lifetime id (ZEGO's `room_seq`, the same id as `room_session_id`). Exact string. */
  roomSessionId: string
  /** The user id (`user_account`). */
  userAccount: string
  /** The user's nickname. */
  userNickname: string
  /** The login session id. Exact string. */
  sessionId: string
  /** When the user logged in, Unix milliseconds. */
  loginTime: number
  /** When the user logged out, Unix milliseconds. */
  logoutTime: number
  /** Why the user left, by name. */
  logoutReason: LogoutReason
  /** Why the user left, ZEGO's code: 0 normal, 1 heartbeat timeout, 2 disconnected, 3 logged in again or kicked out, 4 token expired. */
  logoutReasonCode: number
  /** The user's role, by name. */
  userRole: UserRole
  /** The user's role, ZEGO's code: 1 host, 2 audience, 4 admin. */
  userRoleCode: number
  /** The room's user-list change counter. */
  userUpdateSeq: number
}

/** The `userLoggedOut` event: ZEGO's `room_logout` callback. */
export const userLoggedOut = defineEvent<UserLoggedOutEvent>()({
  name: 'userLoggedOut',
  zegoEvent: 'room_logout',
  schema: {
    room_id: id(),
    room_seq: id(),
    user_account: id(),
    user_nickname: text(),
    session_id: id(),
    login_time: quantity(),
    logout_time: quantity(),
    reason: quantity(),
    user_role: quantity(),
    user_update_seq: quantity(),
  },
  normalize: (p) => ({
    roomId: p.room_id,
    roomSessionId: p.room_seq,
    userAccount: p.user_account,
    userNickname: p.user_nickname,
    sessionId: p.session_id,
    loginTime: p.login_time,
    logoutTime: p.logout_time,
    logoutReason: nameOf(logoutReasons, p.reason),
    logoutReasonCode: p.reason,
    userRole: nameOf(userRoles, p.user_role),
    userRoleCode: p.user_role,
    userUpdateSeq: p.user_update_seq,
  }),
  identity: (e) => [e.sessionId],
})
