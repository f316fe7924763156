import { describe, expect, it } from 'vitest';

import { redact } from '../../nodes/Inpaint/helpers/redact';

describe('redact', () => {
	const key = 'sk-live-1234567890';

	it('removes the key from nested strings and object keys', () => {
		const input = { a: `header was ${key}`, b: [{ c: key }], [key]: 1, n: 5 };
		const out = redact(input, key);
		expect(JSON.stringify(out)).not.toContain(key);
		expect(out.a).toBe('header was ***');
		expect(out.n).toBe(5);
	});

	it('returns the same object when the key is absent', () => {
		const input = { a: 'clean' };
		expect(redact(input, key)).toBe(input);
	});
});
