import type { IDataObject } from 'n8n-workflow';

const MASK = '***';

/**
 * Removes the subscription key from anything the node outputs or throws, in case an API or a
 * proxy echoes request headers back in a body. Cheap when the key is absent (one search).
 */
export function redact<T>(value: T, secret: string): T {
	if (secret.length < 4) return value;
	if (typeof value === 'string') return (value.includes(secret) ? value.split(secret).join(MASK) : value) as T;
	if (Array.isArray(value)) return value.map((v: unknown) => redact(v, secret)) as T;
	if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
		if (!JSON.stringify(value).includes(secret)) return value;
		const out: IDataObject = {};
		for (const [k, v] of Object.entries(value as IDataObject)) out[redact(k, secret)] = redact(v, secret);
		return out as T;
	}
	return value;
}

export function redactError<E extends Error & { description?: string | null }>(error: E, secret: string): E {
	error.message = redact(error.message, secret);
	if (typeof error.description === 'string') error.description = redact(error.description, secret);
	if (typeof error.stack === 'string') error.stack = redact(error.stack, secret);
	return error;
}
