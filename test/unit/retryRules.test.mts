import { describe, expect, it } from 'vitest';

import { parseRetryAfter, statusFailure } from '../../nodes/Inpaint/transport/httpAnswers';
import type { Failure, RequestKind } from '../../nodes/Inpaint/transport/retryRules';
import { backoffMs, retryRule, verdictOf } from '../../nodes/Inpaint/transport/retryRules';

const status = (code: number): Failure => ({ kind: 'status', status: code, body: '' });
const network = (code: string): Failure => ({ kind: 'network', code, timeoutMs: 1000 });
const unreadable: Failure = {
	kind: 'unreadable',
	body: '<html>',
	problem: 'a body that is not JSON',
};
const retries = (kind: RequestKind, failure: Failure, attempt = 0, persist = false) =>
	retryRule(kind, failure, attempt, 4, persist).retry;

describe('the retry rules (README → Reliability)', () => {
	it('sends a submit again only when the API certainly did not take it: a 429, or a connection that never reached it', () => {
		expect(retries('submit', status(429))).toBe(true);
		expect(retries('submit', status(429), 50)).toBe(true); // bounded by its Job Timeout, not Max Retries
		for (const code of [400, 401, 403, 404, 408, 500, 502, 503, 504])
			expect(retries('submit', status(code))).toBe(false);
		expect(retries('submit', network('ECONNREFUSED'))).toBe(true);
		expect(retries('submit', network('EAI_AGAIN'))).toBe(true);
		expect(retries('submit', network('ECONNREFUSED'), 4)).toBe(false);
		for (const code of ['ECONNRESET', 'ETIMEDOUT', 'TIMEOUT', 'EPIPE', 'UND_ERR_SOCKET'])
			expect(retries('submit', network(code))).toBe(false);
		expect(retries('submit', unreadable)).toBe(false);
	});

	it('retries status checks and downloads on rate limits, server errors and any network error, Max Retries times', () => {
		for (const kind of ['statusCheck', 'download'] as const) {
			for (const code of [408, 425, 429, 500, 502, 503, 504]) {
				expect(retries(kind, status(code))).toBe(true);
				expect(retries(kind, status(code), 4)).toBe(false);
			}
			for (const code of [400, 401, 403, 404, 301]) expect(retries(kind, status(code))).toBe(false);
			expect(retries(kind, network('ECONNRESET'))).toBe(true);
		}
		expect(retries('statusCheck', unreadable)).toBe(true);
		expect(retries('download', unreadable)).toBe(false);
	});

	it('retries the status checks of a job being waited for until its deadline, however many tries', () => {
		expect(retries('statusCheck', status(503), 100, true)).toBe(true);
		expect(retries('statusCheck', network('ECONNRESET'), 100, true)).toBe(true);
		expect(retries('statusCheck', unreadable, 100, true)).toBe(true);
		expect(retries('statusCheck', status(404), 0, true)).toBe(false);
	});

	it('never retries a used-up quota or a download that is not an image', () => {
		const quota: Failure = { kind: 'status', status: 403, body: '', quota: { renewsInMs: 60_000 } };
		expect(retries('statusCheck', quota, 0, true)).toBe(false);
		const rejected: Failure = { kind: 'rejected', message: 'not an image', description: '' };
		expect(retries('download', rejected)).toBe(false);
	});

	it("waits before a retry, except after a 429 (the host's pace holds it back)", () => {
		expect(retryRule('statusCheck', status(429), 0, 4, false).backoff).toBe(false);
		expect(retryRule('statusCheck', status(503), 0, 4, false).backoff).toBe(true);
	});

	it('tells the pace what an answer means: 429 limited, 5xx and network failures failed, the rest taken', () => {
		expect(verdictOf(undefined)).toBe('taken');
		expect(verdictOf(status(429))).toBe('limited');
		expect(verdictOf(status(503))).toBe('failed');
		expect(verdictOf(network('ECONNRESET'))).toBe('failed');
		expect(verdictOf(status(404))).toBe('taken');
		expect(verdictOf(unreadable)).toBe('taken');
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

	it("tells a used-up quota (403 with Retry-After, or the gateway's quota words) from a key without access", () => {
		const answer = (body: string, headers: Record<string, string> = {}) =>
			statusFailure({ statusCode: 403, body, headers });
		expect(answer('{"error":"Access denied for this operation"}')).not.toHaveProperty(
			'quota.renewsInMs',
		);
		expect(answer('{"error":"Access denied for this operation"}').kind).toBe('status');
		expect((answer('{}', { 'retry-after': '120' }) as { quota?: unknown }).quota).toEqual({
			renewsInMs: 120_000,
		});
		const worded = answer(
			'{ "statusCode": 403, "message": "Out of call volume quota. Quota will be replenished in 00:59:12." }',
		);
		expect((worded as { quota?: unknown }).quota).toEqual({ renewsInMs: (59 * 60 + 12) * 1000 });
		expect(
			(answer('{"error":"Access denied for this operation"}') as { quota?: unknown }).quota,
		).toBeUndefined();
	});

	it('backs off exponentially with jitter, within half and all of each step, capped', () => {
		expect(backoffMs(0, 1000, 30_000, () => 0)).toBe(500);
		expect(backoffMs(0, 1000, 30_000, () => 1)).toBe(1000);
		expect(backoffMs(3, 1000, 30_000, () => 1)).toBe(8000);
		expect(backoffMs(10, 1000, 30_000, () => 1)).toBe(30_000);
		expect(backoffMs(10, 1000, 30_000, () => 0)).toBe(15_000);
	});
});
