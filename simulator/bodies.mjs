// The `body` fault of result downloads: a body that is not the image the client expects (a JPEG,
// WebP or GIF signature, a huge or endless stream), or the real image under a wrong Content-Type.
// Made-up bodies are streamed chunk by chunk with backpressure: never held in memory.

const MAX_CHUNK = 16 * 1024 * 1024;
const DEFAULT_CHUNK = 64 * 1024;

/**
 * The first bytes of a made-up body, from hex (`xx` = any byte, sent as 00).
 * @param {string} hex
 */
export function prefixBytes(hex) {
	return Buffer.from(hex.replace(/xx/gi, '00'), 'hex');
}

/**
 * Validate a `body` fault (its endpoint is checked by normalizeFault); throws naming the problem.
 * @param {any} f
 */
export function checkBodyFault(f) {
	if (f.status !== undefined && !(f.status >= 200 && f.status <= 599))
		throw new Error('a body fault needs a status 200..599');
	if (f.contentType !== undefined && (typeof f.contentType !== 'string' || !f.contentType))
		throw new Error('body contentType must be a non-empty string');
	const { size, prefix, bytesPerChunk } = f;
	if (size !== undefined && size !== 'endless' && !(Number.isSafeInteger(size) && size >= 0))
		throw new Error("body size must be an integer >= 0 or 'endless'");
	if (prefix !== undefined) {
		if (size === undefined)
			throw new Error('a body prefix needs a size (without one the real result is sent)');
		if (typeof prefix !== 'string' || !/^([0-9a-f]{2}|xx)*$/i.test(prefix))
			throw new Error("body prefix must be hex bytes ('xx' for any byte), e.g. 'ffd8ffe0'");
		if (size !== 'endless' && size < prefix.length / 2)
			throw new Error('body size must be at least the prefix length');
	}
	if (bytesPerChunk !== undefined && !(Number.isInteger(bytesPerChunk) && bytesPerChunk >= 1))
		throw new Error('body bytesPerChunk must be an integer >= 1');
	if (bytesPerChunk > MAX_CHUNK) throw new Error(`body bytesPerChunk must be at most ${MAX_CHUNK}`);
}

/**
 * Answer a `body` fault: `real` (the result's bytes) under the declared type, or the made-up body:
 * `prefix` then zero bytes, `size` in all with Content-Length, or endless (no Content-Length)
 * until the client closes or the simulator closes.
 * @param {import('node:http').ServerResponse} res
 * @param {{ status?: number, contentType?: string, headers?: Record<string, string>,
 *   size?: number | 'endless', prefix?: string, bytesPerChunk?: number }} f
 * @param {Buffer | null} real
 */
export async function streamBody(res, f, real) {
	const status = f.status ?? 200;
	/** @type {Record<string, string | number>} */
	const headers = { 'Content-Type': f.contentType ?? 'image/png', ...f.headers };
	const total = real ? real.length : f.size === 'endless' ? Infinity : (f.size ?? 0);
	if (Number.isFinite(total)) headers['Content-Length'] = total;
	res.writeHead(status, headers);
	if (res.req.method === 'HEAD') {
		res.end();
		return;
	}
	if (real) {
		res.end(real);
		return;
	}
	const prefix = prefixBytes(f.prefix ?? '');
	const chunk = f.bytesPerChunk ?? DEFAULT_CHUNK;
	const filler = Buffer.alloc(chunk); // written again and again, never changed
	let closed = false;
	res.once('close', () => (closed = true));
	let sent = 0;
	let writable = true;
	if (prefix.length) {
		writable = res.write(prefix);
		sent = prefix.length;
	}
	while (sent < total && !closed) {
		if (!writable) {
			await new Promise((resolve) => {
				const go = () => {
					res.off('drain', go);
					res.off('close', go);
					resolve(undefined);
				};
				res.on('drain', go);
				res.on('close', go);
			});
			if (closed) return;
		}
		const n = Math.min(chunk, total - sent);
		writable = res.write(n === chunk ? filler : filler.subarray(0, n));
		sent += n;
	}
	if (!closed) res.end();
}
