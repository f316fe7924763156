// Call-volume quota per subscription key, as the vendor's gateway (Azure API Management) applies
// it: `limit` requests per period; the period starts with the key's first request and lasts
// `renewSec`; past the limit every request of that key answers 403 until the period ends.
import { DOCUMENTED_ERRORS } from './faults.mjs';
import { isInt } from './util.mjs';

/**
 * @typedef {{ limit: number, renewSec: number, wording?: boolean }} Quota
 */

/**
 * Validate a `quota` config value.
 * @param {any} v
 * @returns {string | null} what is wrong, or null
 */
export function checkQuota(v) {
	if (v === null) return null;
	if (!v || typeof v !== 'object' || Array.isArray(v))
		return 'must be null or { limit, renewSec, wording? }';
	const unknown = Object.keys(v).filter((k) => !['limit', 'renewSec', 'wording'].includes(k));
	if (unknown.length) return `has unknown key "${unknown[0]}"`;
	if (!isInt(v.limit, 0)) return 'limit must be an integer >= 0';
	if (!isInt(v.renewSec, 1)) return 'renewSec must be an integer >= 1';
	if (v.wording !== undefined && typeof v.wording !== 'boolean') return 'wording must be a boolean';
	return null;
}

/** `00:59:12`: whole seconds as hours, minutes and seconds, as the gateway words it. */
export function hhmmss(/** @type {number} */ seconds) {
	const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
	return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
}

/**
 * A quota for one `quota` value; state starts fresh (no period started for any key).
 * `check(keyLabel)` counts a request that passed the key check and the rate limit: null when
 * allowed (the request is counted), else `{ retryAfter, body }`, the 403 to answer (not counted).
 * @param {Quota | null} q
 * @param {() => number} [now]
 * @returns {{ check: (keyLabel: string) => { retryAfter: number, body: Record<string, unknown> } | null }}
 */
export function createQuota(q, now = Date.now) {
	if (!q) return { check: () => null };
	/** @type {Map<string, { start: number, used: number }>} a period per key */
	const periods = new Map();
	const periodMs = q.renewSec * 1000;
	return {
		check(keyLabel) {
			const t = now();
			let p = periods.get(keyLabel);
			if (!p || t >= p.start + periodMs) periods.set(keyLabel, (p = { start: t, used: 0 }));
			if (p.used < q.limit) {
				p.used++;
				return null;
			}
			const retryAfter = Math.max(1, Math.ceil((p.start + periodMs - t) / 1000));
			const body =
				q.wording === false
					? { error: DOCUMENTED_ERRORS[403] }
					: {
							statusCode: 403,
							message: `Out of call volume quota. Quota will be replenished in ${hhmmss(retryAfter)}.`,
						};
			return { retryAfter, body };
		},
	};
}
