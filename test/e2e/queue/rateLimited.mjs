// Many small executions against a rate-limited API in queue mode: N webhook calls at once, one
// image each, run by the workers against a gateway that takes 5 requests a second for the key (a
// token bucket, burst 5, which both workers share: the simulator counts per key, as the vendor's
// gateway does). Every execution must end with its image after one accepted submit; each worker
// learns the pace for its own executions only, and at most 10 % of the requests may meet a 429.
import { check, say } from '../lib.mjs';
import { outputOf, simControl } from './api.mjs';
import { checkImages, runsPerWorker, webhookBatch } from './load.mjs';

/** The gateway's rate for the key, requests a second (and its burst). */
const RATE = 5;
/** The most of the submits and status checks that may be answered 429. */
const GOAL = 0.1;
/** Bins of the per-worker timeline, in seconds. */
const BIN_S = 5;

/** Answers to `endpoint` by status, counted since `before` (two `stats()`). */
function answeredSince(before, after, endpoint) {
	const counts = {};
	for (const [status, count] of Object.entries(after.answeredByEndpoint[endpoint] ?? {}))
		counts[status] = count - (before.answeredByEndpoint[endpoint]?.[status] ?? 0);
	return counts;
}

const sum = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);

/**
 * Who sent each submit and status check of the batch (from the simulator's log, by the prompt or
 * the Job Set ID of the execution a worker ran), and when its 429s came, in seconds since `t0`.
 */
function perWorkerRequests(cluster, list, log, t0) {
	const ran = cluster.whoRan();
	const byPrompt = new Map();
	const byJob = new Map();
	for (const e of list) {
		const worker = ran.get(String(e.id))?.[0];
		byPrompt.set(outputOf(e, 'Webhook')[0]?.json?.body?.prompt, worker);
		byJob.set(outputOf(e, 'Inpaint')[0]?.json?.jobSetId, worker);
	}
	const workers = {};
	for (const r of log) {
		if (r.time < t0 || (r.endpoint !== 'submit' && r.endpoint !== 'poll')) continue;
		const worker =
			(r.endpoint === 'submit' ? byPrompt.get(r.body?.prompt) : byJob.get(r.body?.job_set_id)) ??
			'other';
		const w = (workers[worker] ??= { requests: 0, refused: 0, refusedAtS: [], bins: [] });
		const s = (r.time - t0) / 1000;
		const bin = (w.bins[Math.floor(s / BIN_S)] ??= [0, 0]);
		w.requests++;
		bin[0]++;
		if (r.status === 429) {
			w.refused++;
			w.refusedAtS.push(+s.toFixed(1));
			bin[1]++;
		}
	}
	return workers;
}

export async function rateLimitedScenario(cluster, sim, { executions: n, jobMs, report }) {
	const control = simControl(sim);
	const before = await control.stats();
	await control.configure({ rateLimit: { type: 'tokenBucket', ratePerSec: RATE, burst: RATE } });
	let batch;
	try {
		// All calls at once: each execution holds its worker slot while it waits its turn.
		batch = await webhookBatch(cluster, sim, {
			name: 'rate-limited',
			n,
			jobMs,
			parallel: n,
			timeoutMs: 120_000 + n * 2000,
		});
	} finally {
		await control.configure({ rateLimit: null });
	}
	const { marker, calledAt, list } = batch;
	checkImages(list, sim);
	const split = runsPerWorker(cluster, list);
	const [stats, log] = await Promise.all([control.stats(), control.requests()]);

	const jobs = stats.jobs.filter((j) => j.prompt.includes(`#${marker}-`));
	check(jobs.length === n, `the simulator created ${jobs.length} jobs for ${n} executions`);
	const duplicates = stats.duplicateSubmits - before.duplicateSubmits;
	check(duplicates === 0, `the simulator saw ${duplicates} duplicate submits`);
	const submits = answeredSince(before, stats, 'submit');
	const polls = answeredSince(before, stats, 'poll');
	check(
		submits['200'] === n,
		`${submits['200'] ?? 0} submits accepted for ${n} executions`,
		submits,
	);
	const refused = (submits['429'] ?? 0) + (polls['429'] ?? 0);
	const all = sum(submits) + sum(polls);
	const share = refused / all;
	const stops = list.map((e) => Date.parse(e.stoppedAt));
	const seconds = (Math.max(...stops) - calledAt) / 1000;
	const floorS = (all - refused) / RATE;

	const workers = perWorkerRequests(cluster, list, log, calledAt);
	const logged = Object.values(workers).reduce((a, w) => a + w.requests, 0);
	for (const [name, w] of Object.entries(workers)) {
		say(
			`  ${name}: ${w.requests} requests, ${w.refused} answered 429${w.refused ? ` at ${w.refusedAtS.join(', ')} s` : ''}`,
		);
		say(
			`    per ${BIN_S} s (requests/429): ${Array.from(w.bins, (b) => (b ? `${b[0]}/${b[1]}` : '0/0')).join(' ')}`,
		);
	}
	const figures = {
		n,
		split,
		requests: all,
		refused,
		share: +share.toFixed(3),
		submits: { accepted: submits['200'] ?? 0, refused: submits['429'] ?? 0 },
		polls: { accepted: sum(polls) - (polls['429'] ?? 0), refused: polls['429'] ?? 0 },
		seconds: +seconds.toFixed(1),
		floorS: +floorS.toFixed(1),
		perWorker: Object.fromEntries(
			Object.entries(workers).map(([name, w]) => [
				name,
				{ requests: w.requests, refused: w.refused, refusedAtS: w.refusedAtS },
			]),
		),
		...(logged === all ? {} : { logged }),
	};
	check(
		share <= GOAL,
		`${refused} of ${all} requests were answered 429 (${(share * 100).toFixed(1)} %, goal ≤ ${GOAL * 100} %)`,
		figures,
	);
	report(
		`rate-limited: ${n}/${n} webhook executions with their image against ${RATE} requests/s (token bucket per key, burst ${RATE}), split ${Object.values(split).join('/')}, ${jobs.length} jobs, ${n} accepted submits, 0 duplicates; ${refused} of ${all} requests answered 429 (${(share * 100).toFixed(1)} %: ${Object.entries(
			workers,
		)
			.map(([name, w]) => `${name} ${w.refused}/${w.requests}`)
			.join(
				', ',
			)}); first call → last stop ${figures.seconds} s, floor ${figures.floorS} s (${all - refused} accepted requests ÷ ${RATE}/s)`,
	);
	return figures;
}
