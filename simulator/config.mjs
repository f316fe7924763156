// Simulator configuration: defaults, validation, start options.
import { normalizeFault, RANDOM_FAULT_TYPES } from './faults.mjs';
import { checkQuota } from './quota.mjs';
import { checkRateLimit } from './ratelimit.mjs';
import { isInt } from './util.mjs';

export const OUTCOMES = Object.freeze(['succeeded', 'failed', 'error', 'cancelled', 'canceled']);
export const TERMINAL_FAILURES = Object.freeze(['failed', 'error', 'cancelled', 'canceled']);

/** Defaults of everything `configure()` can change. */
export const DEFAULT_CONFIG = Object.freeze({
	mode: 'async',
	jobMs: 1000,
	resultCount: 1,
	outcome: 'succeeded',
	failureReason: 'The model could not process this image',
	statusWhileRunning: Object.freeze(['pending', 'running']),
	resultNoise: false,
	resultDownloadDelayMs: 0,
	submitDelayMs: 0,
	pollDelayMs: 0,
	rateLimit: null,
	quota: null,
	randomFaults: null,
	jobJitter: 0,
	jitterSeed: 1,
	jobPolls: null,
	renameFields: null,
});

/** Start-only options (not changeable by configure). */
export const START_OPTIONS = Object.freeze([
	'port',
	'key',
	'keys',
	'forbiddenKey',
	'logLimit',
	'log',
]);

export const DEFAULT_KEY = 'sim-key-0123456789abcdef';
export const DEFAULT_FORBIDDEN_KEY = 'sim-key-forbidden';

/** @type {Record<string, (v: any) => string | null>} a message when invalid, else null */
const CHECKS = {
	mode: (v) => (v === 'sync' || v === 'async' ? null : "must be 'sync' or 'async'"),
	jobMs: (v) => (isInt(v) ? null : 'must be an integer >= 0'),
	resultCount: (v) => (isInt(v, 0, 16) ? null : 'must be an integer 0..16'),
	outcome: (v) => (OUTCOMES.includes(v) ? null : `must be one of ${OUTCOMES.join(', ')}`),
	failureReason: (v) => (typeof v === 'string' ? null : 'must be a string'),
	statusWhileRunning: (v) =>
		Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s)
			? null
			: 'must be a non-empty array of non-empty strings',
	resultNoise: (v) => (typeof v === 'boolean' ? null : 'must be a boolean'),
	resultDownloadDelayMs: (v) => (isInt(v) ? null : 'must be an integer >= 0'),
	submitDelayMs: (v) => (isInt(v) ? null : 'must be an integer >= 0'),
	pollDelayMs: (v) => (isInt(v) ? null : 'must be an integer >= 0'),
	rateLimit: checkRateLimit,
	quota: checkQuota,
	jobJitter: (v) =>
		typeof v === 'number' && v >= 0 && v <= 0.9 ? null : 'must be a number 0..0.9',
	jitterSeed: (v) => (isInt(v) ? null : 'must be an integer >= 0'),
	jobPolls: (v) => (v === null || isInt(v) ? null : 'must be null or an integer >= 0'),
	renameFields: (v) => {
		if (v === null) return null;
		if (!v || typeof v !== 'object' || Array.isArray(v))
			return 'must be null or an object { apiField: newName }';
		for (const [from, to] of Object.entries(v)) {
			if (!from) return 'cannot rename the empty field name';
			if (typeof to !== 'string' || !to) return `${from} must be renamed to a non-empty string`;
		}
		return null;
	},
	randomFaults: (v) => {
		if (v === null) return null;
		if (!v || typeof v !== 'object') return 'must be null or { rate, types, seed?, delayMs? }';
		if (typeof v.rate !== 'number' || !(v.rate >= 0 && v.rate <= 1))
			return 'rate must be a number 0..1';
		if (!Array.isArray(v.types) || v.types.length === 0) return 'types must be a non-empty array';
		for (const t of v.types) {
			if (typeof t === 'string') {
				if (!RANDOM_FAULT_TYPES.includes(t)) return `unknown random fault type "${t}"`;
			} else {
				try {
					const f = normalizeFault(t);
					if (!RANDOM_FAULT_TYPES.includes(f.type))
						return `fault type "${f.type}" cannot be random`;
					if (f.endpoint === 'results')
						return "random faults act on submit and poll only, not 'results'";
					if (f.eachJob !== undefined) return 'an eachJob fault cannot be random';
				} catch (err) {
					return /** @type {Error} */ (err).message;
				}
			}
		}
		if (v.seed !== undefined && !isInt(v.seed)) return 'seed must be an integer >= 0';
		if (v.delayMs !== undefined && !isInt(v.delayMs)) return 'delayMs must be an integer >= 0';
		return null;
	},
};

/**
 * Validate a partial config; returns a deep copy. Throws an Error naming the bad key.
 * @param {Record<string, unknown>} partial
 * @returns {Partial<import('./server.mjs').SimConfig>}
 */
export function checkConfig(partial) {
	if (!partial || typeof partial !== 'object' || Array.isArray(partial)) {
		throw new Error('config must be an object');
	}
	const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
	for (const [key, value] of Object.entries(defined)) {
		const check = CHECKS[key];
		if (!check) throw new Error(`unknown config key "${key}"`);
		const problem = check(value);
		if (problem) throw new Error(`config ${key} ${problem}`);
	}
	return /** @type {any} */ (structuredClone(defined));
}

/**
 * Split startSimulator options into start-only options and config.
 * @param {Record<string, unknown>} options
 */
export function splitOptions(options) {
	/** @type {Record<string, unknown>} */
	const config = {};
	for (const [key, value] of Object.entries(options)) {
		if (START_OPTIONS.includes(key) || value === undefined) continue;
		if (!(key in CHECKS)) throw new TypeError(`startSimulator: unknown option "${key}"`);
		config[key] = value;
	}
	/** @type {{ port: number, key: string, keys: string[], forbiddenKey: string, logLimit: number, log: boolean }} */
	const start = /** @type {any} */ ({
		port: options.port ?? 0,
		key: options.key ?? DEFAULT_KEY,
		keys: options.keys ?? [],
		forbiddenKey: options.forbiddenKey ?? DEFAULT_FORBIDDEN_KEY,
		logLimit: options.logLimit ?? 5000,
		log: options.log === true,
	});
	if (!isInt(start.port, 0, 65535)) throw new TypeError('startSimulator: port must be 0..65535');
	if (typeof start.key !== 'string' || !start.key)
		throw new TypeError('startSimulator: key must be a string');
	if (!Array.isArray(start.keys) || !start.keys.every((k) => typeof k === 'string' && k))
		throw new TypeError('startSimulator: keys must be an array of non-empty strings');
	start.keys = [...start.keys];
	if (typeof start.forbiddenKey !== 'string')
		throw new TypeError('startSimulator: forbiddenKey must be a string');
	const accepted = [start.key, ...start.keys];
	if (new Set(accepted).size !== accepted.length)
		throw new TypeError('startSimulator: key and keys must all differ');
	if (accepted.includes(start.forbiddenKey))
		throw new TypeError('startSimulator: forbiddenKey must differ from key and keys');
	if (!isInt(start.logLimit))
		throw new TypeError('startSimulator: logLimit must be an integer >= 0');
	/** @type {import('./server.mjs').SimConfig} */
	const full = /** @type {any} */ ({ ...structuredClone(DEFAULT_CONFIG), ...checkConfig(config) });
	return { start, config: full };
}
