// Rate limits of the two POST endpoints: fixed windows (a counter per endpoint) or a token bucket
// (steady rate + burst; with endpoint 'any' submit and poll share one bucket). Counted per
// subscription key, as the vendor's gateway does: each key has its own windows or bucket.

import { isInt } from './util.mjs';

const ENDPOINTS = ['submit', 'poll', 'any'];

/**
 * @typedef {{ type?: 'fixedWindow', max: number, windowMs: number, endpoint?: 'submit'|'poll'|'any', retryAfter?: boolean }
 *   | { type: 'tokenBucket', ratePerSec: number, burst: number, endpoint?: 'submit'|'poll'|'any', retryAfter?: boolean }} RateLimit
 */

/**
 * Validate a `rateLimit` config value.
 * @param {any} v
 * @returns {string | null} what is wrong, or null
 */
export function checkRateLimit(v) {
	if (v === null) return null;
	const shapes =
		"must be null, { max, windowMs, endpoint?, retryAfter? } or { type: 'tokenBucket', ratePerSec, burst, endpoint?, retryAfter? }";
	if (!v || typeof v !== 'object' || Array.isArray(v)) return shapes;
	const type = v.type ?? 'fixedWindow';
	const common =
		type === 'tokenBucket' ? ['type', 'ratePerSec', 'burst'] : ['type', 'max', 'windowMs'];
	const unknown = Object.keys(v).filter((k) => ![...common, 'endpoint', 'retryAfter'].includes(k));
	if (type === 'fixedWindow') {
		if (!isInt(v.max, 0)) return 'max must be an integer >= 0';
		if (!isInt(v.windowMs, 1)) return 'windowMs must be an integer >= 1';
	} else if (type === 'tokenBucket') {
		if (typeof v.ratePerSec !== 'number' || !Number.isFinite(v.ratePerSec) || v.ratePerSec <= 0) {
			return 'ratePerSec must be a number > 0';
		}
		if (!isInt(v.burst, 1)) return 'burst must be an integer >= 1';
	} else {
		return "type must be 'fixedWindow' or 'tokenBucket'";
	}
	if (unknown.length) return `has unknown key "${unknown[0]}"`;
	if (v.endpoint !== undefined && !ENDPOINTS.includes(v.endpoint))
		return "endpoint must be 'submit', 'poll' or 'any'";
	if (v.retryAfter !== undefined && typeof v.retryAfter !== 'boolean')
		return 'retryAfter must be a boolean';
	return null;
}

/**
 * A limiter for one `rateLimit` value; state starts fresh (full bucket, new windows).
 * `check(endpoint)` counts a request that passed the key check: null when allowed, else
 * `{ retryAfter }` = whole seconds until it would be allowed (at least 1), or null when the
 * config says to send no `Retry-After`.
 * @param {RateLimit | null} rl
 * @param {() => number} [now]
 * @returns {{ check: (endpoint: 'submit' | 'poll') => { retryAfter: number | null } | null }}
 */
export function createRateLimiter(rl, now = Date.now) {
	if (!rl) return { check: () => null };
	const scope = rl.endpoint ?? 'any';
	const applies = (/** @type {string} */ e) => scope === 'any' || scope === e;
	const refuse = (/** @type {number} */ ms) => ({
		retryAfter: rl.retryAfter === false ? null : Math.max(1, Math.ceil(ms / 1000)),
	});

	if (rl.type === 'tokenBucket') {
		const { ratePerSec, burst } = rl;
		let tokens = burst;
		let at = now();
		return {
			check(endpoint) {
				if (!applies(endpoint)) return null;
				const t = now();
				tokens = Math.min(burst, tokens + ((t - at) / 1000) * ratePerSec);
				at = t;
				if (tokens >= 1) {
					tokens -= 1;
					return null;
				}
				return refuse(((1 - tokens) / ratePerSec) * 1000);
			},
		};
	}

	/** @type {Record<string, { start: number, count: number }>} a window per endpoint */
	const windows = {};
	const { max, windowMs } = /** @type {{ max: number, windowMs: number }} */ (rl);
	return {
		check(endpoint) {
			if (!applies(endpoint)) return null;
			const t = now();
			let w = windows[endpoint];
			if (!w || t >= w.start + windowMs) w = windows[endpoint] = { start: t, count: 0 };
			if (w.count >= max) return refuse(w.start + windowMs - t);
			w.count++;
			return null;
		},
	};
}

/**
 * One limiter per subscription key (by its label), each started fresh on the key's first request.
 * @param {RateLimit | null} rl
 * @param {() => number} [now]
 * @returns {{ check: (keyLabel: string, endpoint: 'submit' | 'poll') => { retryAfter: number | null } | null }}
 */
export function createKeyedRateLimiter(rl, now = Date.now) {
	/** @type {Map<string, ReturnType<typeof createRateLimiter>>} */
	const byKey = new Map();
	return {
		check(keyLabel, endpoint) {
			let limiter = byKey.get(keyLabel);
			if (!limiter) byKey.set(keyLabel, (limiter = createRateLimiter(rl, now)));
			return limiter.check(endpoint);
		},
	};
}
