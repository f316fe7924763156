// Small shared helpers: hashing, deterministic PRNG, canonical JSON, HTTP I/O.
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Whether `v` is an integer within min..max.
 * @param {unknown} v
 * @returns {v is number}
 */
export const isInt = (v, min = 0, max = Number.MAX_SAFE_INTEGER) =>
	Number.isInteger(v) && /** @type {number} */ (v) >= min && /** @type {number} */ (v) <= max;

/**
 * 32-bit FNV-1a over the UTF-8 bytes of `str`, finished with a murmur3 avalanche
 * so that every output bit depends on every input bit.
 * @param {string} str
 * @returns {number} unsigned 32-bit integer
 */
export function hash32(str) {
	let h = 0x811c9dc5;
	for (const b of Buffer.from(String(str), 'utf8')) {
		h ^= b;
		h = Math.imul(h, 0x01000193);
	}
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	h ^= h >>> 16;
	return h >>> 0;
}

/**
 * mulberry32: tiny deterministic PRNG.
 * @param {number} seed
 * @returns {{ next: () => number, int: () => number }} next() in [0,1), int() a uint32
 */
export function prng(seed) {
	let a = seed >>> 0;
	const int = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return (t ^ (t >>> 14)) >>> 0;
	};
	return { int, next: () => int() / 4294967296 };
}

/**
 * JSON with object keys sorted recursively (used to detect duplicate submits).
 * @param {unknown} value
 * @returns {string}
 */
export function canonicalJson(value) {
	const sort = (v) => {
		if (Array.isArray(v)) return v.map(sort);
		if (v && typeof v === 'object') {
			return Object.fromEntries(
				Object.keys(v)
					.sort()
					.map((k) => [k, sort(v[k])]),
			);
		}
		return v;
	};
	return JSON.stringify(sort(value));
}

/**
 * A copy of a JSON value with object keys renamed at any depth (`renameFields`).
 * @param {unknown} value
 * @param {Record<string, string> | null} renames
 * @returns {unknown}
 */
export function renameKeys(value, renames) {
	if (!renames) return value;
	if (Array.isArray(value)) return value.map((v) => renameKeys(v, renames));
	if (value && typeof value === 'object') {
		return Object.fromEntries(
			Object.entries(value).map(([k, v]) => [
				Object.hasOwn(renames, k) ? renames[k] : k,
				renameKeys(v, renames),
			]),
		);
	}
	return value;
}

/**
 * Sleep that rejects with an AbortError when the simulator closes.
 * @param {number} ms
 * @param {AbortSignal} signal
 */
export function sleep(ms, signal) {
	if (!ms || ms <= 0) return Promise.resolve();
	return delay(ms, undefined, { signal });
}

/** @param {unknown} err */
export function isAbort(err) {
	return !!err && typeof err === 'object' && /** @type {any} */ (err).name === 'AbortError';
}

/**
 * Read a request body fully. Over `limit` bytes the rest is drained and discarded.
 * @param {import('node:http').IncomingMessage} req
 * @param {number} limit
 * @returns {Promise<{ raw: Buffer, tooLarge: boolean }>}
 */
export function readBody(req, limit = 1024 * 1024) {
	return new Promise((resolve, reject) => {
		/** @type {Buffer[]} */
		const chunks = [];
		let size = 0;
		let tooLarge = false;
		req.on('data', (chunk) => {
			size += chunk.length;
			if (size > limit) tooLarge = true;
			else chunks.push(chunk);
		});
		req.on('end', () => resolve({ raw: Buffer.concat(chunks), tooLarge }));
		req.on('error', reject);
	});
}

/**
 * Parse a body as JSON.
 * @param {Buffer} raw
 * @returns {{ ok: true, value: unknown } | { ok: false, text: string }}
 */
export function parseJson(raw) {
	const text = raw.toString('utf8');
	try {
		return { ok: true, value: JSON.parse(text) };
	} catch {
		return { ok: false, text };
	}
}

/**
 * Write a complete response with Content-Length.
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string | Buffer} body
 * @param {Record<string, string | number>} [headers]
 */
export function sendRaw(res, status, body, headers = {}) {
	if (res.writableEnded || res.destroyed) return;
	const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
	res.writeHead(status, { ...headers, 'Content-Length': buf.length });
	res.end(res.req.method === 'HEAD' ? undefined : buf);
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} obj
 * @param {Record<string, string | number>} [headers]
 */
export function sendJson(res, status, obj, headers = {}) {
	sendRaw(res, status, JSON.stringify(obj), {
		'Content-Type': 'application/json; charset=utf-8',
		...headers,
	});
}

/** @param {string | undefined} host hostname as parsed by URL (IPv6 in brackets) */
export function isLoopbackHost(host) {
	return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

/** @param {string | undefined} addr socket remote address */
export function isLoopbackAddress(addr) {
	return !!addr && (addr === '::1' || addr.startsWith('127.') || addr === '::ffff:127.0.0.1');
}
