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
