/**
 * The shape of session data. Augment it to type `session.get` / `session.set`:
 *
 * @example
 * declare module '@gaes/fastify' {
 *   interface SessionData { userId: string; counter: number }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface SessionData {}

/** The keys `get`/`set` accept: those of {@link SessionData}, or any string while it is not augmented. */
export type SessionKey = [keyof SessionData] extends [never] ? string : keyof SessionData & string;

/** The value type stored under `K`. */
export type SessionValueOf<K extends string> = K extends keyof SessionData ? SessionData[K] : unknown;
