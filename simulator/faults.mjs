// Scripted and random faults for the two POST endpoints and the result downloads.
import { checkBodyFault } from './bodies.mjs';
import { prng, sendJson, sendRaw } from './util.mjs';

export const FAULT_TYPES = Object.freeze([
	'status',
	'html',
	'malformed',
	'empty',
	'drop',
	'dropAfterAccept',
	'delay',
	'hang',
	'outage',
	'stall',
	'body',
	'redirect',
]);
/** The types `randomFaults` may pick (the first eight: one request each, submit and poll only). */
export const RANDOM_FAULT_TYPES = Object.freeze(FAULT_TYPES.slice(0, 8));
/** `'any'` = submit and poll, never the result downloads. */
const ENDPOINTS = ['submit', 'poll', 'results', 'any'];
const RESULT_TYPES = [
	'status',
	'html',
	'empty',
	'delay',
	'stall',
	'redirect',
	'drop',
	'hang',
	'outage',
	'body',
];
const REDIRECT_STATUSES = [301, 302, 303, 307, 308];

/** The error bodies the vendor documents, used when a `status` fault gives no body. */
export const DOCUMENTED_ERRORS = Object.freeze({
	400: 'Invalid request parameters',
	401: 'Invalid or missing authentication',
	403: 'Access denied for this operation',
	404: 'Endpoint not found',
	429: 'Rate limit exceeded, please retry later',
	500: 'An unexpected error occurred, please try again later',
	502: 'Bad gateway',
	503: 'Service temporarily unavailable',
});

export const HTML_502 = '<html><body><h1>502 Bad Gateway</h1></body></html>';
export const MALFORMED_JSON = '{"status": "succ';

/**
 * @typedef {{ endpoint: 'submit'|'poll'|'results'|'any', type: string, times: number,
 *   status?: number, body?: unknown, headers?: Record<string,string>, ms?: number,
 *   location?: string, bytes?: number, startedAt?: number }} Fault
 */

/** @param {Fault} f @param {'submit'|'poll'|'results'} endpoint */
const matches = (f, endpoint) =>
	f.endpoint === endpoint || (f.endpoint === 'any' && endpoint !== 'results');

/**
 * Validate one fault description; returns a normalised copy, throws on bad input.
 * @param {any} f
 * @returns {Fault}
 */
export function normalizeFault(f) {
	if (!f || typeof f !== 'object' || Array.isArray(f)) throw new Error('a fault must be an object');
	if (f.eachJob !== undefined) return normalizeEachJob(f);
	const endpoint = f.endpoint ?? 'any';
	if (!ENDPOINTS.includes(endpoint))
		throw new Error(`fault endpoint must be one of ${ENDPOINTS.join(', ')}`);
	if (!FAULT_TYPES.includes(f.type))
		throw new Error(`fault type must be one of ${FAULT_TYPES.join(', ')}`);
	const times = f.times ?? 1;
	if (!Number.isInteger(times) || times < 1) throw new Error('fault times must be an integer >= 1');
	if (f.type === 'status' && !(Number.isInteger(f.status) && f.status >= 100 && f.status <= 599)) {
		throw new Error('a status fault needs an integer status 100..599');
	}
	if (
		f.status !== undefined &&
		!(Number.isInteger(f.status) && f.status >= 100 && f.status <= 599)
	) {
		throw new Error('fault status must be an integer 100..599');
	}
	if (f.type === 'delay' && !(Number.isInteger(f.ms) && f.ms >= 0)) {
		throw new Error('a delay fault needs an integer ms >= 0');
	}
	if (f.headers !== undefined && (typeof f.headers !== 'object' || f.headers === null)) {
		throw new Error('fault headers must be an object');
	}
	if (endpoint === 'results' && !RESULT_TYPES.includes(f.type)) {
		throw new Error(
			`fault type ${f.type} is not available on 'results' (use one of ${RESULT_TYPES.join(', ')})`,
		);
	}
	if (f.type === 'stall' && endpoint !== 'results')
		throw new Error("a stall fault is for endpoint 'results' only");
	if (f.type === 'stall' && f.bytes !== undefined && !(Number.isInteger(f.bytes) && f.bytes >= 0)) {
		throw new Error('stall bytes must be an integer >= 0');
	}
	if (f.type === 'body' && endpoint !== 'results')
		throw new Error("a body fault is for endpoint 'results' only");
	if (f.type === 'body') checkBodyFault(f);
	if (f.type === 'redirect') {
		if (!REDIRECT_STATUSES.includes(f.status))
			throw new Error(`a redirect fault needs status ${REDIRECT_STATUSES.join(', ')}`);
		if (typeof f.location !== 'string' || !f.location)
			throw new Error('a redirect fault needs a location string');
	}
	if (f.type === 'outage') {
		if (!(Number.isInteger(f.ms) && f.ms >= 1))
			throw new Error('an outage fault needs an integer ms >= 1');
		if (times !== 1) throw new Error('an outage fault lasts ms milliseconds: times is not allowed');
		return { ...f, endpoint, times, status: f.status ?? 503 };
	}
	return { ...f, endpoint, times };
}

/**
 * A fault with `eachJob: n` answers the first n status checks of every job, counted by the
 * `job_set_id` each check names, so a test can fail "the first check of each job" without relying
 * on when the checks arrive. It stays queued (never consumed) until `reset()`.
 * @param {any} f
 * @returns {Fault & { eachJob: number }}
 */
function normalizeEachJob(f) {
	const { eachJob, ...rest } = f;
	if (!Number.isInteger(eachJob) || eachJob < 1)
		throw new Error('fault eachJob must be an integer >= 1');
	if (rest.endpoint !== 'poll')
		throw new Error("an eachJob fault is for endpoint 'poll' only (a status check names its job)");
	if (rest.times !== undefined)
		throw new Error('an eachJob fault applies to every job: times is not allowed');
	if (rest.type === 'outage') throw new Error('an outage cannot be an eachJob fault');
	return { ...normalizeFault(rest), eachJob };
}

/**
 * Whether an `eachJob` fault answers this status check: its job has met it fewer than `eachJob`
 * times (a check without a job_set_id never matches).
 * @param {Fault & { eachJob: number, perJob?: Map<string, number> }} f
 * @param {unknown} jobSetId
 */
function takeForJob(f, jobSetId) {
	if (typeof jobSetId !== 'string' || !jobSetId) return false;
	f.perJob ??= new Map();
	const met = f.perJob.get(jobSetId) ?? 0;
	if (met >= f.eachJob) return false;
	f.perJob.set(jobSetId, met + 1);
	return true;
}

/** FIFO of scripted faults plus the optional random-fault generator. */
export class FaultQueue {
	constructor() {
		/** @type {Fault[]} */
		this.queue = [];
		/** @type {{ rate: number, types: any[], seed: number, delayMs: number } | null} */
		this.random = null;
		this.rng = prng(1);
	}

	/** @param {unknown[]} faults */
	enqueue(faults) {
		const list = Array.isArray(faults) ? faults : [faults];
		const normalised = list.map(normalizeFault); // validate all before adding any
		this.queue.push(...normalised);
		return this.queue.length;
	}

	/** @param {{ rate: number, types: any[], seed?: number, delayMs?: number } | null} cfg */
	setRandom(cfg) {
		this.random = cfg ? { seed: 1, delayMs: 1500, ...cfg } : null;
		this.rng = prng(this.random?.seed ?? 1);
	}

	clear() {
		this.queue = [];
		this.setRandom(this.random);
	}

	/**
	 * Take the fault for this request: the first queued match, else maybe a random one
	 * (random faults: submit and poll only).
	 * @param {'submit'|'poll'|'results'} endpoint
	 * @param {unknown} [jobSetId] the job a status check names (for `eachJob` faults)
	 * @returns {(Fault & { random?: boolean }) | null}
	 */
	take(endpoint, jobSetId) {
		const now = Date.now();
		for (let i = 0; i < this.queue.length; i++) {
			const f = this.queue[i];
			if (!matches(f, endpoint)) continue;
			if (f.eachJob !== undefined) {
				if (takeForJob(/** @type {any} */ (f), jobSetId)) return f;
				continue;
			}
			if (f.type === 'outage') {
				f.startedAt ??= now; // the outage starts with the first request it answers
				if (now < f.startedAt + /** @type {number} */ (f.ms)) return f;
				this.queue.splice(i--, 1); // over: consumed
				continue;
			}
			if (f.times > 1) this.queue[i] = { ...f, times: f.times - 1 };
			else this.queue.splice(i, 1);
			return f;
		}
		return endpoint === 'results' ? null : this.randomFault(endpoint);
	}

	/** @param {'submit'|'poll'} endpoint */
	randomFault(endpoint) {
		const r = this.random;
		if (!r || r.rate <= 0 || this.rng.next() >= r.rate) return null;
		const pick = r.types[Math.floor(this.rng.next() * r.types.length)];
		if (pick && typeof pick === 'object') {
			const f = normalizeFault(pick);
			return f.endpoint === 'any' || f.endpoint === endpoint ? { ...f, random: true } : null;
		}
		/** @type {Fault & { random: boolean }} */
		const f = { endpoint, type: pick, times: 1, random: true };
		if (pick === 'delay') f.ms = r.delayMs;
		if (pick === 'status') {
			// submit: only 429 (never a 5xx that might hide a created job); poll: 429/500/502/503
			const choices = endpoint === 'submit' ? [429] : [429, 500, 502, 503];
			f.status = choices[Math.floor(this.rng.next() * choices.length)];
			if (f.status === 429) f.headers = { 'Retry-After': '1' };
		}
		return f;
	}
}

/**
 * Answer a fault that replaces the response entirely (status/html/malformed/empty/outage/redirect).
 * @param {import('node:http').ServerResponse} res
 * @param {Fault} f
 * @returns {number} status answered
 */
export function answerFault(res, f) {
	const headers = f.headers ?? {};
	switch (f.type) {
		case 'redirect': {
			const status = /** @type {number} */ (f.status);
			sendRaw(res, status, '', { ...headers, Location: /** @type {string} */ (f.location) });
			return status;
		}
		case 'html': {
			const status = f.status ?? 502;
			sendRaw(res, status, HTML_502, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
			return status;
		}
		case 'malformed': {
			const status = f.status ?? 200;
			const body = typeof f.body === 'string' ? f.body : MALFORMED_JSON;
			sendRaw(res, status, body, { 'Content-Type': 'application/json', ...headers });
			return status;
		}
		case 'empty': {
			const status = f.status ?? 200;
			sendRaw(res, status, '', { 'Content-Type': 'application/json', ...headers });
			return status;
		}
		default: {
			const status = /** @type {number} */ (f.status);
			if (typeof f.body === 'string') {
				sendRaw(res, status, f.body, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
			} else {
				const body =
					f.body !== undefined
						? f.body
						: {
								error:
									DOCUMENTED_ERRORS[/** @type {keyof DOCUMENTED_ERRORS} */ (status)] ?? 'Error',
							};
				sendJson(res, status, body, headers);
			}
			return status;
		}
	}
}
