import { nameOf, terminalTypes, userRoles, type TerminalType, type UserRole } from './codes.js'
import type { CallbackEnvelope } from './define.js'
import { defineEvent } from './define.js'
import { flag, id, optionalQuantity, quantity, text } from './fields.js'

/** A user logged in to a room (ZEGO `room_login`). */
export interface UserLoggedInEvent extends CallbackEnvelope {
  /** The room id. */
  roomId: string
  /** The room name. */
  roomName: string
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
  /** The user's role, by name. */
  userRole: UserRole
  /** The user's role, ZEGO's code: 1 host, 2 audience, 4 admin. */
  userRoleCode: number
  /** The user's authority level. */
  authLevel: number | undefined
  /** True when this is a re-login. */
  relogin: boolean
  /** The room's user-list change counter. */
  userUpdateSeq: number
  /** The data the client passed at login. */
  callbackData: string
  /** The user's platform by name; undefined when ZEGO did not send `term_type`. */
  terminalType: TerminalType | undefined
  /** The user's platform, ZEGO's code (0 none, 1 PC, 2 iOS, 3 Android, 4 Mac, 5 Linux, 6 Web, 7 mini program, 32 unknown). */
  terminalTypeCode: number | undefined
}

/** The `userLoggedIn` event: ZEGO's `room_login` callback. */
export const userLoggedIn = defineEvent<UserLoggedInEvent>()({
  name: 'userLoggedIn',
  zegoEvent: 'room_login',
  schema: {
    room_id: id(),
    room_name: text(),
    room_seq: id(),
    user_account: id(),
    user_nickname: text(),
    session_id: id(),
    login_time: quantity(),
    user_role: quantity(),
    auth_level: optionalQuantity(),
    relogin: flag(),
    user_update_seq: quantity(),
    callback_data: text(),
    term_type: optionalQuantity(),
  },
  normalize: (p) => ({
    roomId: p.room_id,
    roomName: p.room_name,
    roomSessionId: p.room_seq,
    userAccount: p.user_account,
    userNickname: p.user_nickname,
    sessionId: p.session_id,
    loginTime: p.login_time,
    userRole: nameOf(userRoles, p.user_role),
    userRoleCode: p.user_role,
    authLevel: p.auth_level,
    relogin: p.relogin,
    userUpdateSeq: p.user_update_seq,
    callbackData: p.callback_data,
    terminalType: p.term_type === undefined ? undefined : nameOf(terminalTypes, p.term_type),
    terminalTypeCode: p.term_type,
  }),
  identity: (e) => [e.sessionId],
})
