import type { Verdict } from './pace/hostPace';

/**
 * Every decision to send a request again, in one place. A status check and a download are
 * reads: sending them again is harmless. A submit creates a billable job: it is sent again only
 * when the API certainly did not take it (a 429, or a connection that never reached it).
 */
export type RequestKind = 'submit' | 'statusCheck' | 'download';

/** What went wrong with one try of a request. */
export type Failure =
	/** An HTTP status that is not a success. `quota`: the key's quota is used up (a 403 saying so). */
	| {
			kind: 'status';
			status: number;
			body: unknown;
			retryAfterMs?: number;
			location?: unknown;
			quota?: { renewsInMs?: number };
	  }
	/** No answer: a network error code, or TIMEOUT after `timeoutMs`. */
	| { kind: 'network'; code: string; timeoutMs: number }
	/** A success whose body cannot be used (not JSON, empty). */
	| { kind: 'unreadable'; body: unknown; problem: string }
	/** A download's own verdict on what arrived (not an image, too large): final, with its own words. */
	| { kind: 'rejected'; message: string; description: string }
	/** Stopped on purpose (another image of the item failed): nothing to retry, nothing to report. */
	| { kind: 'stopped' };

/** Network failures that happen before a byte of the request reaches the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN']);

const TRANSIENT_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** True when the request certainly never reached the server (so no job can exist). */
export function neverSent(code: string): boolean {
	return NOT_SENT_CODES.has(code);
}

export interface RetryRule {
	retry: boolean;
	/** Pause before the next try; a 429 needs none: the host's pace holds it back. */
	backoff: boolean;
}

/**
 * Whether to try again after `failure` on try number `attempt` (0 = the first). `persist`: the
 * request is retried until a deadline rather than Max Retries times (a job being waited for).
 */
export function retryRule(
	kind: RequestKind,
	failure: Failure,
	attempt: number,
	maxRetries: number,
	persist: boolean,
): RetryRule {
	const triesLeft = persist || attempt < maxRetries;
	switch (failure.kind) {
		case 'status':
			if (failure.status === 429) return { retry: kind === 'submit' || triesLeft, backoff: false };
			return {
				retry:
					kind !== 'submit' && !failure.quota && triesLeft && TRANSIENT_STATUS.has(failure.status),
				backoff: true,
			};
		case 'network':
			return {
				retry: kind === 'submit' ? neverSent(failure.code) && triesLeft : triesLeft,
				backoff: true,
			};
		case 'unreadable':
			return { retry: kind === 'statusCheck' && triesLeft, backoff: true };
		case 'rejected':
		case 'stopped':
			return { retry: false, backoff: false };
	}
}

/** How an outcome bears on the host's pace. */
export function verdictOf(failure: Failure | undefined): Verdict {
	if (failure?.kind === 'stopped') return 'unused';
	if (failure?.kind === 'network') return 'failed';
	if (failure?.kind !== 'status') return 'taken';
	if (failure.status === 429) return 'limited';
	return failure.status >= 500 ? 'failed' : 'taken';
}

/** Exponential backoff with jitter: base, 2×base, 4×base…, each between half and all of it. */
export function backoffMs(
	attempt: number,
	baseMs: number,
	capMs: number,
	random = Math.random,
): number {
	const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
	return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
