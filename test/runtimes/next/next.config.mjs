// The repository's own `npm test` type-checks this app with the rest; the build need not do it again.
// Next.js answers `/path/` with a 308 to `/path` unless told not to: the shared table posts to both.
export default { typescript: { ignoreBuildErrors: true }, skipTrailingSlashRedirect: true }
