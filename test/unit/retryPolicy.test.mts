import { describe, expect, it } from 'vitest';

import {
	backoffMs,
	isRetryableNetworkError,
	isRetryableStatus,
	parseRetryAfter,
} from '../../nodes/Inpaint/transport/retryPolicy';

describe('retry policy', () => {
	it('resends a submit only when the API certainly did not take it', () => {
		expect(isRetryableStatus('submit', 429)).toBe(true);
		for (const status of [400, 401, 403, 404, 408, 500, 502, 503, 504]) {
			expect(isRetryableStatus('submit', status)).toBe(false);
		}
		expect(isRetryableNetworkError('submit', 'ECONNREFUSED')).toBe(true);
		for (const code of ['ECONNRESET', 'ETIMEDOUT', 'TIMEOUT', 'EPIPE', 'UND_ERR_SOCKET']) {
			expect(isRetryableNetworkError('submit', code)).toBe(false);
		}
	});

	it('retries status checks and downloads on rate limits, server errors and any network error', () => {
		for (const endpoint of ['poll', 'download'] as const) {
			for (const status of [408, 429, 500, 502, 503, 504])
				expect(isRetryableStatus(endpoint, status)).toBe(true);
			for (const status of [400, 401, 403, 404])
				expect(isRetryableStatus(endpoint, status)).toBe(false);
			expect(isRetryableNetworkError(endpoint, 'ECONNRESET')).toBe(true);
		}
	});

	it('reads Retry-After as seconds or as an HTTP date', () => {
		expect(parseRetryAfter('3')).toBe(3000);
		expect(parseRetryAfter('0.5')).toBe(500);
		expect(parseRetryAfter(['2'])).toBe(2000);
		const now = Date.parse('2026-11-25T12:00:00Z');
		expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:07 GMT', now)).toBe(7000);
		expect(parseRetryAfter('Wed, 25 Nov 2026 11:00:00 GMT', now)).toBe(0);
		expect(parseRetryAfter(undefined)).toBeUndefined();
		expect(parseRetryAfter('soon')).toBeUndefined();
	});

	it('backs off exponentially with jitter, within half and all of each step, capped', () => {
		expect(backoffMs(0, 1000, 30_000, () => 0)).toBe(500);
		expect(backoffMs(0, 1000, 30_000, () => 1)).toBe(1000);
		expect(backoffMs(3, 1000, 30_000, () => 1)).toBe(8000);
		expect(backoffMs(10, 1000, 30_000, () => 1)).toBe(30_000);
		expect(backoffMs(10, 1000, 30_000, () => 0)).toBe(15_000);
	});
});
