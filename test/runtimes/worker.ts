// Serves the shared table's harness as a Cloudflare Worker (workerd, through wrangler dev).
import { harness } from './harness.js'

export default { fetch: harness }
