// Serves the shared table's harness as a Next.js App Router route handler, for every method and path.
import { harness } from '../../../harness.js'

export { harness as DELETE, harness as GET, harness as PATCH, harness as POST, harness as PUT }
