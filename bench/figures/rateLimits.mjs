// The node against a rate limit it is not told about (a token bucket per key with a second's
// burst, answering 429 with Retry-After): a big batch of short jobs, a batch of long jobs, and
// many one-item executions arriving one after another in one process. Floor: the accepted
// requests at the allowed rate; the ratio is the wall time over it.
import { answersSince, round, say } from '../lib.mjs';
import { items } from '../workflow.mjs';

async function limited(bench, figure, rate, work) {
	const { sim, keyLabel } = bench;
	await sim.configure({
		mode: 'async',
		rateLimit: { type: 'tokenBucket', ratePerSec: rate, burst: rate },
	});
	const before = await sim.stats();
	const started = performance.now();
	await work();
	const wallMs = performance.now() - started;
	const after = await sim.stats();
	await sim.configure({ rateLimit: null });
	const { ok, refused } = answersSince(before, after, keyLabel(figure));
	return {
		wallMs: round(wallMs, 0),
		acceptedRequests: ok,
		refused429: refused,
		floorMs: round((ok / rate) * 1000, 0),
		floorRatio: round(wallMs / ((ok / rate) * 1000), 3),
		share429: round(refused / (ok + refused), 3),
		duplicateSubmits: after.duplicateSubmits - before.duplicateSubmits,
	};
}

/** rateLimitedFloorRatio, rateLimited429Share: 1,000 items of 2 s jobs against 20 requests/s. */
export async function rateLimited(bench, results, quick) {
	const n = quick ? 300 : 1000;
	const rate = 20;
	const figures = await limited(bench, 'rateLimited', rate, () =>
		bench.timedRun('rateLimited', n, bench.submit(), 'rateLimited'),
	);
	results.rateLimitedFloorRatio = figures.floorRatio;
	results.rateLimited429Share = figures.share429;
	results.rateLimited = { items: n, jobMs: 2000, limitPerSec: rate, ...figures };
	say(
		`rate-limited: ${n} items at ${rate} req/s: ${round(figures.wallMs / 1000)} s vs floor ${round(figures.floorMs / 1000)} s → ratio ${figures.floorRatio}; ${figures.refused429} × 429 = ${figures.share429} of requests`,
	);
}

/** longJobsRateLimitedRatio: 300 items of 20 s (±5 %) jobs against 10 requests/s, over 2 requests per item. */
export async function longJobs(bench, results, quick) {
	const n = quick ? 100 : 300;
	const rate = 10;
	const figures = await limited(bench, 'longJobs', rate, () =>
		bench.timedRun('longJobs', n, bench.submit(), 'long [sim:ms=20000] [sim:jitter=0.05]'),
	);
	const floorMs = ((2 * n) / rate) * 1000;
	results.longJobsRateLimitedRatio = round(figures.wallMs / floorMs, 3);
	results.longJobs = {
		items: n,
		jobMs: 20_000,
		limitPerSec: rate,
		twoPerItemFloorMs: floorMs,
		...figures,
	};
	say(
		`long jobs: ${n} items of 20 s jobs at ${rate} req/s: ${round(figures.wallMs / 1000)} s vs ${floorMs / 1000} s for 2 requests per item → ratio ${results.longJobsRateLimitedRatio}; ${figures.acceptedRequests} accepted requests (${round(figures.acceptedRequests / n)} per item), ${figures.refused429} × 429`,
	);
}

/** concurrentRuns429Share, concurrentRunsFloorRatio: 150 one-item executions arriving 20 a second, against 5 requests/s. */
export async function concurrentRuns(bench, results, quick) {
	const n = quick ? 60 : 150;
	const rate = 5;
	const figures = await limited(bench, 'concurrentRuns', rate, async () => {
		const runs = [];
		for (let k = 0; k < n; k++) {
			runs.push(bench.run('concurrentRuns', bench.submit(), items(1, `arrival ${k}`)));
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		const done = await Promise.all(runs);
		const ok = done.filter((r) => r.output('Inpaint')?.[0]?.json.status === 'succeeded').length;
		if (ok !== n) throw new Error(`concurrent runs: ${ok}/${n} succeeded`);
	});
	results.concurrentRuns429Share = figures.share429;
	results.concurrentRunsFloorRatio = figures.floorRatio;
	results.concurrentRuns = {
		executions: n,
		arrivalsPerSec: 20,
		jobMs: 2000,
		limitPerSec: rate,
		...figures,
	};
	say(
		`many executions: ${n} one-item executions arriving 20 a second at ${rate} req/s: ${round(figures.wallMs / 1000)} s vs floor ${round(figures.floorMs / 1000)} s → ratio ${figures.floorRatio}; ${figures.refused429} × 429 = ${figures.share429} of requests`,
	);
}
