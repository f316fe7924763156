import type { IN8nHttpFullResponse } from 'n8n-workflow';

import type { Failure } from './retryRules';

const NETWORK_CODE = /^(E[A-Z_]+|ERR_[A-Z_]+|UND_ERR_[A-Z_]+)$/;

/**
 * Finds the network error code (ECONNRESET, ETIMEDOUT…) however n8n wrapped it: n8n 2.x keeps
 * the cause with its `code`; n8n 1.x keeps only `httpCode` and the original messages.
 */
export function networkCodeOf(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
		const { code, httpCode, message, messages } = current as Record<string, unknown>;
		const found = [code, httpCode].find(
			(c): c is string => typeof c === 'string' && NETWORK_CODE.test(c),
		);
		if (found) {
			const texts = [message, ...(Array.isArray(messages) ? messages : [])].filter(
				(m) => typeof m === 'string',
			);
			return found === 'ECONNABORTED' && texts.some((m) => /timeout/i.test(m as string))
				? 'TIMEOUT'
				: found;
		}
		current = (current as { cause?: unknown }).cause;
	}
	if (error instanceof Error && /timeout/i.test(error.message)) return 'TIMEOUT';
	return undefined;
}

/** JSON from a body that arrived as text, bytes or an already-parsed object; `undefined` when it is not JSON. */
export function parseJsonBody(body: unknown): unknown {
	if (body && typeof body === 'object' && !Buffer.isBuffer(body)) return body;
	const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
	if (text.trim() === '') return undefined;
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

/** A body that arrived as bytes, as text; any other body as it is. */
export function bodyAsText(body: unknown): unknown {
	return Buffer.isBuffer(body) ? body.toString('utf8') : body;
}

/** The host a redirect points to (relative locations stay on `from`'s host); null when unreadable. */
export function redirectTarget(location: unknown, from: string): string | null {
	const text = Array.isArray(location) ? location[0] : location;
	if (typeof text !== 'string' || text.trim() === '') return null;
	try {
		return new URL(text, from).host;
	} catch {
		return null;
	}
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

/** "replenished in 00:59:12" (the gateway's quota wording) as milliseconds. */
function renewalInWords(text: string): number | undefined {
	const match = /(\d+):(\d{2}):(\d{2})/.exec(text);
	if (!match) return undefined;
	const [hours, minutes, seconds] = match.slice(1).map(Number);
	return ((hours * 60 + minutes) * 60 + seconds) * 1000;
}

/**
 * A 403 that says the subscription's quota ran out (the gateway's wording, or a Retry-After: a
 * key without access has nothing to wait for), with when it renews if the answer says.
 */
function quotaOf(status: number, retryAfterMs: number | undefined, text: string) {
	if (status !== 403) return undefined;
	const worded = /quota/i.test(text);
	if (!worded && retryAfterMs === undefined) return undefined;
	return { renewsInMs: retryAfterMs ?? renewalInWords(text) };
}

/** What an answer that is not a success says: its status, body, Retry-After, redirect, quota. */
export function statusFailure(response: IN8nHttpFullResponse): Failure {
	const body = bodyAsText(response.body);
	const retryAfterMs = parseRetryAfter(response.headers?.['retry-after']);
	const text = typeof body === 'string' ? body : '';
	return {
		kind: 'status',
		status: response.statusCode,
		body: parseJsonBody(body) ?? body,
		retryAfterMs,
		location: response.headers?.location,
		quota: quotaOf(response.statusCode, retryAfterMs, text),
	};
}
