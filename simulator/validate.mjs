// Request-body validation for the two POST endpoints and the [sim:...] prompt directives.
import { OUTCOMES } from './config.mjs';
import { isInt } from './util.mjs';

/** @param {unknown} v */
function isHttpUrl(v) {
	if (typeof v !== 'string') return false;
	try {
		const u = new URL(v);
		return u.protocol === 'http:' || u.protocol === 'https:';
	} catch {
		return false;
	}
}

/** @type {Record<string, (v: any) => string | null>} */
const SUBMIT_FIELDS = {
	prompt: (v) => (typeof v === 'string' && v.trim() ? null : 'must be a non-empty string'),
	imageUrl: (v) => (isHttpUrl(v) ? null : 'must be an http(s) URL string'),
	maskUrl: (v) => (isHttpUrl(v) ? null : 'must be an http(s) URL string'),
	negative_prompt: (v) => (typeof v === 'string' ? null : 'must be a string'),
	height: (v) => (isInt(v, 64, 2048) ? null : 'must be an integer 64..2048'),
	width: (v) => (isInt(v, 64, 2048) ? null : 'must be an integer 64..2048'),
	num_steps: (v) => (isInt(v, 1, 150) ? null : 'must be an integer 1..150'),
	guidance: (v) => (typeof v === 'number' && v >= 0 && v <= 50 ? null : 'must be a number 0..50'),
	seed: (v) => (isInt(v, 0, Number.MAX_SAFE_INTEGER) ? null : 'must be an integer >= 0'),
};

/** @param {unknown} body */
const isObject = (body) => !!body && typeof body === 'object' && !Array.isArray(body);

/**
 * @param {unknown} body parsed JSON
 * @returns {string[]} problems; empty when valid
 */
export function validateSubmit(body) {
	if (!isObject(body)) return ['body must be a JSON object'];
	const b = /** @type {Record<string, unknown>} */ (body);
	const problems = [];
	if (!('prompt' in b)) problems.push('prompt is required');
	for (const [key, value] of Object.entries(b)) {
		const check = SUBMIT_FIELDS[key];
		if (!check) {
			problems.push(`unknown field "${key}"`);
			continue;
		}
		const p = check(value);
		if (p) problems.push(`${key} ${p}`);
	}
	return problems;
}

/**
 * @param {unknown} body parsed JSON
 * @returns {string[]} problems; empty when valid
 */
export function validatePoll(body) {
	if (!isObject(body)) return ['body must be a JSON object'];
	const b = /** @type {Record<string, unknown>} */ (body);
	const problems = [];
	if (typeof b.job_set_id !== 'string' || !b.job_set_id.trim()) {
		problems.push('job_set_id must be a non-empty string');
	}
	for (const key of Object.keys(b)) {
		if (key !== 'job_set_id') problems.push(`unknown field "${key}"`);
	}
	return problems;
}

/**
 * @typedef {{ mode?: 'sync'|'async', ms?: number, results?: number, outcome?: string,
 *   noImage?: boolean, noUrl?: boolean, status?: string, jitter?: number }} Directives
 */

const DIRECTIVE_RE = /\[sim:([A-Za-z]+)(?:=([^\]]*))?\]/g;

/**
 * Extract `[sim:...]` directives from a prompt.
 * @param {string} prompt
 * @returns {{ directives: Directives, prompt: string, problems: string[] }}
 */
export function parseDirectives(prompt) {
	/** @type {Directives} */
	const d = {};
	const problems = [];
	const clean = prompt
		.replace(DIRECTIVE_RE, (whole, name, value) => {
			const num = value !== undefined && /^\d+$/.test(value) ? Number(value) : NaN;
			switch (name) {
				case 'sync':
				case 'async':
					d.mode = name;
					break;
				case 'ms':
					if (Number.isSafeInteger(num)) d.ms = num;
					else problems.push(`directive ${whole}: ms must be an integer >= 0`);
					break;
				case 'results':
					if (num >= 0 && num <= 16) d.results = num;
					else problems.push(`directive ${whole}: results must be an integer 0..16`);
					break;
				case 'outcome':
					if (OUTCOMES.includes(value)) d.outcome = value;
					else problems.push(`directive ${whole}: outcome must be one of ${OUTCOMES.join(', ')}`);
					break;
				case 'noimage':
					d.noImage = true;
					break;
				case 'nourl':
					d.noUrl = true;
					break;
				case 'status':
					if (value) d.status = value;
					else problems.push(`directive ${whole}: status needs a value`);
					break;
				case 'jitter': {
					const j = value !== undefined && /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
					if (j >= 0 && j <= 0.9) d.jitter = j;
					else problems.push(`directive ${whole}: jitter must be a number 0..0.9`);
					break;
				}
				default:
					problems.push(`unknown simulator directive ${whole}`);
			}
			return ' ';
		})
		.replace(/\s+/g, ' ')
		.trim();
	return { directives: d, prompt: clean, problems };
}
