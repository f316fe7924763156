/**
 * The node's tuning numbers, each with the reason for it. Options the user sets are in
 * options.ts; these are the node's own choices.
 */

/** Longest single sleep: a cancelled execution is noticed well within a second. */
export const SLICE_MS = 200;

/** Longest nap of a pace line's dispatcher between two looks at its waiting requests. */
export const DISPATCH_NAP_MS = 1000;

/** A status check whose job's deadline is this close goes before every other waiting request. */
export const URGENT_MS = 3000;

/** The status check made at a job's deadline may still wait this long for its turn. */
export const LAST_CHECK_MS = 250;

/** Cap of the exponential backoff between two tries of one request. */
export const MAX_BACKOFF_MS = 30_000;

/** While a job is waited for until its deadline, a failing status check is tried at least this often. */
export const PERSIST_BACKOFF_MS = 10_000;

/** However short the deadline, an answer is awaited at least this long (the last check must get one). */
export const MIN_REQUEST_TIMEOUT_MS = 1000;

/**
 * What the process learned of a host and key (its pace, how long its jobs take) is forgotten
 * after this long without a request: long past any Retry-After the node honours by default.
 */
export const IDLE_FORGET_MS = 10 * 60_000;

/** Shared entries kept at most, idle ones dropped first: a process seldom uses more than a few. */
export const MAX_SHARED_ENTRIES = 200;

/** Idle shared entries are looked for at most this often, when the shared state is next used. */
export const SWEEP_EVERY_MS = 1000;

/**
 * A job not yet checked looks again this often at when its kind's jobs are done (no request is
 * sent): a probe found done moves the other jobs' first checks at once.
 */
export const REPLAN_MS = 250;

/**
 * A download whose body broke off at least this share of the Request Timeout after its last bytes
 * is one that stalled (the socket's idle timeout ended it; timers fire a little early or late).
 */
export const STALL_SHARE = 0.9;
