import type { Request as CannonRequest } from 'autocannon'

/** A generator of distinct signed callbacks for `secret`, and the same bodies signed as GitHub would for @octokit/webhooks. */
export function signedBodies(secret: string): {
  /** The next distinct signed stream_create, as JSON text. */
  nextBody(): string
  /** An autocannon request carrying the next body with GitHub's HMAC header. */
  octokitRequest(req: CannonRequest): CannonRequest
}
