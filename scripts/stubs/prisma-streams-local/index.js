// `prisma dev` (Prisma's local development server) is the only user of @prisma/streams-local, and
// finboard does not use `prisma dev`: the real package wants Node >= 22, so it is replaced here.
export async function startLocalDurableStreamsServer() {
  throw new Error("`prisma dev` is not available in finboard: it brings its own PostgreSQL.");
}
