import { describe, expect, it } from 'vitest';

import { parseJobAnswer } from '../../nodes/Inpaint/helpers/jobAnswer';
import { toOutputJson } from '../../nodes/Inpaint/helpers/output';

describe('reading the API answers', () => {
	it('treats an immediate { imageUrl } as done, with no job to poll', () => {
		const s = parseJobAnswer({ imageUrl: 'https://cdn.example/a.png' });
		expect(s).toMatchObject({ state: 'succeeded', jobSetId: null });
		expect(toOutputJson(s)).toEqual({
			status: 'succeeded',
			jobSetId: null,
			imageUrl: 'https://cdn.example/a.png',
			imageUrls: ['https://cdn.example/a.png'],
			results: [{ imageUrl: 'https://cdn.example/a.png', jobId: null }],
			raw: { imageUrl: 'https://cdn.example/a.png' },
		});
	});

	it('treats a job_set_id without an image as a job still running ("pending" when no status is given)', () => {
		const s = parseJobAnswer({ success: true, job_set_id: 'jobset_1' });
		expect(s).toMatchObject({ state: 'running', status: 'pending', jobSetId: 'jobset_1' });
	});

	it('reads the documented poll answer, keeping extra fields and several images', () => {
		const body = {
			status: 'succeeded',
			job_set_id: 'jobset_abc',
			results: [
				{ imageUrl: 'https://cdn.example/1.png', job_id: 'job_1', seed: 7 },
				{ imageUrl: 'https://cdn.example/2.png', job_id: 'job_2' },
			],
			credits: 0,
		};
		const out = toOutputJson(parseJobAnswer(body));
		expect(out.imageUrls).toEqual(['https://cdn.example/1.png', 'https://cdn.example/2.png']);
		expect(out.results).toEqual([
			{ seed: 7, imageUrl: 'https://cdn.example/1.png', jobId: 'job_1' },
			{ imageUrl: 'https://cdn.example/2.png', jobId: 'job_2' },
		]);
		expect(out.raw).toBe(body);
	});

	it('classifies terminal failures and keeps the reason', () => {
		for (const status of ['failed', 'error', 'cancelled', 'canceled', 'FAILED']) {
			const s = parseJobAnswer({ status, error: 'NSFW content', job_set_id: 'j' });
			expect(s.state).toBe('failed');
			expect(s.reason).toBe('NSFW content');
		}
	});

	it('treats unknown and in-progress statuses as still running', () => {
		for (const status of ['pending', 'queued', 'processing', 'running', 'warming-up']) {
			expect(parseJobAnswer({ status, job_set_id: 'j' }).state).toBe('running');
		}
	});

	it('treats { success: false } in a 200 as a failure', () => {
		const s = parseJobAnswer({ success: false, message: 'prompt rejected' });
		expect(s).toMatchObject({ state: 'failed', reason: 'prompt rejected' });
	});
});

describe('an answer without a status word', () => {
	it('reads { job_set_id, error: null } as a job still running, not as a failed job', () => {
		const snapshot = parseJobAnswer({ job_set_id: 'x', error: null });
		expect(snapshot.state).toBe('running');
		expect(snapshot.jobSetId).toBe('x');
	});

	it('still reads { job_set_id, error: "…" } as a failed job with its reason', () => {
		const snapshot = parseJobAnswer({ job_set_id: 'x', error: 'out of memory' });
		expect(snapshot.state).toBe('failed');
		expect(snapshot.reason).toBe('out of memory');
	});
});
