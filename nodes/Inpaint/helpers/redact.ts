import type { IDataObject } from 'n8n-workflow';

const MASK = '***';

/** The subscription key in the credential, or '' when there is none. */
export function secretOf(credentials: IDataObject): string {
	return typeof credentials.subscriptionKey === 'string' ? credentials.subscriptionKey : '';
}

/**
 * Removes the subscription key from anything the node outputs or throws, in case an API or a
 * proxy echoes request headers back in a body. Cheap when the key is absent (one search).
 */
export function redact<T>(value: T, secret: string): T {
	if (secret.length < 4) return value;
	if (typeof value === 'string')
		return (value.includes(secret) ? value.split(secret).join(MASK) : value) as T;
	if (Array.isArray(value)) return value.map((v: unknown) => redact(v, secret)) as T;
	if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
		if (!JSON.stringify(value).includes(secret)) return value;
		const out: IDataObject = {};
		for (const [k, v] of Object.entries(value as IDataObject))
			out[redact(k, secret)] = redact(v, secret);
		return out as T;
	}
	return value;
}

/** The parts of an n8n error that reach the editor, the saved execution and the logs. */
interface NodeErrorParts {
	description?: string | null;
	errorResponse?: unknown;
	context?: unknown;
	messages?: unknown;
}

export function redactError<E extends Error & NodeErrorParts>(error: E, secret: string): E {
	error.message = redact(error.message, secret);
	if (typeof error.description === 'string') error.description = redact(error.description, secret);
	if (typeof error.stack === 'string') error.stack = redact(error.stack, secret);
	if (error.errorResponse !== undefined) error.errorResponse = redact(error.errorResponse, secret);
	if (error.context !== undefined) error.context = redact(error.context, secret);
	if (error.messages !== undefined) error.messages = redact(error.messages, secret);
	return error;
}
