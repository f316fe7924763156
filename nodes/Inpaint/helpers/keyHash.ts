import { createHash } from 'node:crypto';

/**
 * Names a subscription key without holding it: what the process learns of the API is kept per
 * key (the gateway counts per key), and only this hash is kept.
 */
export function hashOfKey(secret: string): string {
	return createHash('sha256').update(secret).digest('base64url').slice(0, 22);
}
