// Job sets: creation (async or sync), poll answers, duplicate detection, per-job stats.
import { randomBytes } from 'node:crypto';
import { TERMINAL_FAILURES } from './config.mjs';
import { canonicalJson, prng } from './util.mjs';

const MAX_JOBS = 200_000;
const MAX_STATS_JOBS = 10_000;
const MAX_POLL_TIMES = 1000; // per job

/**
 * @typedef {{ jobSetId: string, prompt: string, createdAt: number, finishAt: number | null,
 *   runningPolls: number | null,
 *   firstSucceededPollAt: number | null, polls: number, pollTimes: number[],
 *   pollAttempts: number, firstPollAttemptAt: number | null, mode: 'sync'|'async', outcome: string,
 *   statusOverride: string | null, noUrl: boolean, noImage: boolean, failureReason: string,
 *   statusWhileRunning: string[], results: { imageUrl: string, job_id: string }[] }} Job
 */

export class JobStore {
	/**
	 * @param {{ results: import('./results.mjs').ResultStore, baseUrl: () => string }} opts
	 */
	constructor(opts) {
		this.resultStore = opts.results;
		this.baseUrl = opts.baseUrl;
		this.clear();
	}

	clear() {
		/** @type {Map<string, Job>} */
		this.jobs = new Map();
		/** @type {Job[]} newest last, capped for stats */
		this.recent = [];
		/** @type {Set<string>} canonical bodies that created a job */
		this.seenBodies = new Set();
		this.created = 0;
		this.duplicates = 0;
		this.jobCounter = 0;
	}

	/** Restart the PRNG of the job lengths (`jobJitter`). @param {number} seed */
	seedJitter(seed) {
		this.jitterRng = prng(seed);
	}

	/**
	 * An async job's length: `ms × (1 + u)`, u uniform in [−jitter, +jitter] from the seeded PRNG
	 * (drawn only for jobs with a jitter, so the k-th such job always gets the same u).
	 * @param {number} ms
	 * @param {number} jitter
	 */
	jobLength(ms, jitter) {
		if (!jitter) return ms;
		const u = (2 * this.jitterRng.next() - 1) * jitter;
		return Math.round(ms * (1 + u));
	}

	/**
	 * Create a job from a validated submit body.
	 * @param {Record<string, any>} body as received
	 * @param {string} cleanPrompt prompt without directives
	 * @param {import('./validate.mjs').Directives} d
	 * @param {import('./server.mjs').SimConfig} config
	 * @returns {Job}
	 */
	create(body, cleanPrompt, d, config) {
		const now = Date.now();
		const jobSetId = `jobset_${randomBytes(8).toString('hex')}`;
		const mode = d.noImage ? 'sync' : (d.mode ?? config.mode);
		const byPolls = mode === 'async' && config.jobPolls !== null;
		const count = d.results ?? config.resultCount;
		const base = this.baseUrl();
		const results = [];
		for (let k = 0; k < count; k++) {
			const resultId = `${jobSetId}_${k}`;
			this.resultStore.register(resultId, {
				prompt: cleanPrompt,
				seed: (body.seed ?? 0) + k,
				width: body.width,
				height: body.height,
				imageUrl: body.imageUrl,
				maskUrl: body.maskUrl,
				noise: config.resultNoise,
			});
			results.push({
				imageUrl: `${base}/results/${resultId}.png`,
				job_id: `job_${++this.jobCounter}`,
			});
		}
		/** @type {Job} */
		const job = {
			jobSetId,
			prompt: body.prompt,
			createdAt: now,
			finishAt:
				mode === 'sync'
					? now
					: byPolls
						? null // set by the poll that finds it terminal
						: now + this.jobLength(d.ms ?? config.jobMs, d.jitter ?? config.jobJitter),
			runningPolls: byPolls ? config.jobPolls : null,
			firstSucceededPollAt: null,
			polls: 0,
			pollTimes: [],
			pollAttempts: 0,
			firstPollAttemptAt: null,
			mode,
			outcome: d.outcome ?? config.outcome,
			statusOverride: d.status ?? null,
			noUrl: !!d.noUrl,
			noImage: !!d.noImage,
			failureReason: config.failureReason,
			statusWhileRunning: [...config.statusWhileRunning],
			results,
		};
		this.jobs.set(jobSetId, job);
		if (this.jobs.size > MAX_JOBS) this.jobs.delete(this.jobs.keys().next().value);
		this.recent.push(job);
		if (this.recent.length > MAX_STATS_JOBS) this.recent.shift();
		this.created++;
		const canonical = canonicalJson(body);
		if (this.seenBodies.has(canonical)) this.duplicates++;
		else this.seenBodies.add(canonical);
		return job;
	}

	/**
	 * A poll naming this job arrived (before faults, key, rate limit: whatever its answer).
	 * @param {unknown} id
	 * @param {number} arrivedAt its arrival time, as in the request log
	 */
	notePollAttempt(id, arrivedAt) {
		const job = typeof id === 'string' ? this.jobs.get(id) : undefined;
		if (!job) return;
		job.pollAttempts++;
		job.firstPollAttemptAt ??= arrivedAt;
	}

	/** @param {string} id */
	get(id) {
		return this.jobs.get(id);
	}

	/**
	 * The 200 answer to the submit that created `job`.
	 * @param {Job} job
	 */
	submitAnswer(job) {
		if (job.mode === 'async') return { success: true, job_set_id: job.jobSetId, status: 'pending' };
		if (job.noImage || job.noUrl || job.results.length === 0) return { success: true };
		if (job.outcome !== 'succeeded')
			return { success: false, status: job.outcome, error: job.failureReason };
		/** @type {Record<string, unknown>} */
		const body = { imageUrl: job.results[0].imageUrl };
		if (job.results.length > 1) body.results = job.results;
		return body;
	}

	/**
	 * The 200 answer to a poll of `job` now. Counts the poll.
	 * @param {Job} job
	 * @param {boolean} delivered false when the answer will be dropped (then not "first seen")
	 */
	pollAnswer(job, delivered = true) {
		const now = Date.now();
		job.polls++;
		if (job.pollTimes.length < MAX_POLL_TIMES) job.pollTimes.push(now);
		if (job.runningPolls !== null && job.finishAt === null && job.polls > job.runningPolls)
			job.finishAt = now; // `jobPolls`: this poll is the first to find the job done
		const running = job.finishAt === null || (job.runningPolls === null && now < job.finishAt);
		const status = job.statusOverride ?? (running ? this.runningStatus(job, now) : job.outcome);
		/** @type {Record<string, unknown>} */
		const body = { status };
		const terminal = status === 'succeeded' || TERMINAL_FAILURES.includes(status);
		if (status === 'succeeded') {
			body.results = job.results.map((r) => (job.noUrl ? { job_id: r.job_id } : { ...r }));
		} else if (terminal) {
			body.error = job.failureReason;
		}
		body.job_set_id = job.jobSetId;
		if (terminal && delivered && job.firstSucceededPollAt === null) job.firstSucceededPollAt = now;
		return body;
	}

	/**
	 * statusWhileRunning[0] for the first 20% of the job, the rest share the remaining 80%
	 * (of its time, or with `jobPolls` of its running polls).
	 * @param {Job} job
	 * @param {number} now
	 */
	runningStatus(job, now) {
		const list = job.statusWhileRunning;
		let f;
		if (job.runningPolls !== null) f = (job.polls - 1) / job.runningPolls;
		else {
			const span = /** @type {number} */ (job.finishAt) - job.createdAt;
			f = span > 0 ? (now - job.createdAt) / span : 1;
		}
		if (list.length === 1 || f < 0.2) return list[0];
		return list[Math.min(list.length - 1, 1 + Math.floor(((f - 0.2) / 0.8) * (list.length - 1)))];
	}

	/** Per-job stats (copies), oldest first. */
	statsJobs() {
		return this.recent.map((j) => ({
			jobSetId: j.jobSetId,
			prompt: j.prompt,
			createdAt: j.createdAt,
			finishAt: j.finishAt,
			firstSucceededPollAt: j.firstSucceededPollAt,
			polls: j.polls,
			firstPollAt: j.pollTimes[0] ?? null,
			pollTimes: [...j.pollTimes],
			pollAttempts: j.pollAttempts,
			firstPollAttemptAt: j.firstPollAttemptAt,
			mode: j.mode,
			outcome: j.statusOverride ?? j.outcome,
			results: j.results.length,
			durationMs: j.finishAt === null ? null : j.finishAt - j.createdAt,
		}));
	}
}
