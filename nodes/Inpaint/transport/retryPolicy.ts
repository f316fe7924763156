/**
 * When a request may be sent again. A status check is a read: resending it is harmless.
 * A submit creates a billable job: it is resent only when the API certainly did not take it.
 */
export type Endpoint = 'submit' | 'poll' | 'download';

/** Network failures that happen before a single byte of the request reaches the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN']);

const TRANSIENT_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

export function isRetryableStatus(endpoint: Endpoint, status: number): boolean {
	if (endpoint === 'submit') return status === 429;
	return TRANSIENT_STATUS.has(status);
}

/** True when the request certainly never reached the server (so no job can exist). */
export function neverSent(code: string): boolean {
	return NOT_SENT_CODES.has(code);
}

export function isRetryableNetworkError(endpoint: Endpoint, code: string): boolean {
	if (endpoint === 'submit') return NOT_SENT_CODES.has(code);
	return true;
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

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, nowMs = Date.now()): number | undefined {
	const text = Array.isArray(value) ? value[0] : value;
	if (typeof text !== 'string' && typeof text !== 'number') return undefined;
	const trimmed = String(text).trim();
	if (trimmed === '') return undefined;
	if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
	const date = Date.parse(trimmed);
	if (Number.isNaN(date)) return undefined;
	return Math.max(0, date - nowMs);
}
