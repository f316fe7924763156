// npm run bench: every figure measured side by side in one run, against the simulator (in its
// own process, like a remote API), through n8n's engine. Prints a table and writes
// bench/results.json; `--quick` is a smaller run that writes nothing. See BENCHMARKS.md.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';

import { disposeHarness, n8nCoreVersion } from '../test/harness/engine.mjs';
import { batch } from './figures/batch.mjs';
import { checkTiming } from './figures/checkTiming.mjs';
import { checkTimingReplay } from './figures/checkTimingReplay.mjs';
import { longRun } from './figures/longRun.mjs';
import { overhead } from './figures/overhead.mjs';
import { concurrentRuns, longJobs, rateLimited } from './figures/rateLimits.mjs';
import { downloadMemory, loadTime } from './figures/startup.mjs';
import { DEFAULT_POLL_INTERVAL_MS, here, round, say, startBench } from './lib.mjs';

const quick = process.argv.includes('--quick');

/** Each figure's goal: the most it may be. */
const GOALS = {
	batchRatio: 1.25,
	overheadRatio: 1.5,
	'overhead.engineVsN8nTransport': 1.5,
	loadTimeMs: 20,
	downloadRssMb: 150,
	rateLimitedFloorRatio: 1.1,
	rateLimited429Share: 0.05,
	concurrentRunsFloorRatio: 1.15,
	concurrentRuns429Share: 0.05,
	longJobsRateLimitedRatio: 1.5,
	longRunGrowthMb: 50,
};
/** A finished job is noticed within the Poll Interval (p95). */
const DELAY_GOAL_MS = DEFAULT_POLL_INTERVAL_MS;

const results = {
	machine: {
		cpus: os.cpus().length,
		cpuModel: os.cpus()[0]?.model,
		memoryGb: round(os.totalmem() / 2 ** 30, 1),
		node: process.version,
		n8nCore: n8nCoreVersion,
	},
	date: new Date().toISOString(),
};

loadTime(results);
checkTimingReplay(results, quick);
downloadMemory(results, quick);
longRun(results, quick);
const bench = await startBench();
await batch(bench, results, quick);
await overhead(bench, results, quick);
await checkTiming(bench, results, quick);
await rateLimited(bench, results, quick);
await longJobs(bench, results, quick);
await concurrentRuns(bench, results, quick);

const valueOf = (path) => path.split('.').reduce((o, k) => o?.[k], results);
results.goals = Object.fromEntries(Object.entries(GOALS).map(([k, max]) => [k, `≤ ${max}`]));
for (const [kind, goals] of Object.entries(results.checkTiming.measured))
	results.goals[`checks ${kind}`] = `≤ ${goals.goal}, delay p95 ≤ ${DELAY_GOAL_MS} ms`;

say('\n| figure | value | goal | met |');
say('|---|---|---|---|');
for (const [path, max] of Object.entries(GOALS))
	say(`| ${path} | ${valueOf(path)} | ≤ ${max} | ${valueOf(path) <= max ? 'yes' : 'no'} |`);
for (const [kind, m] of Object.entries(results.checkTiming.measured)) {
	const ok = m.checksPerJob <= m.goal && m.detectionDelayP95Ms <= DELAY_GOAL_MS;
	say(
		`| checks per job, ${kind} | ${m.checksPerJob} (delay p95 ${m.detectionDelayP95Ms} ms) | ≤ ${m.goal} (≤ ${DELAY_GOAL_MS} ms) | ${ok ? 'yes' : 'no'} |`,
	);
}

if (!quick) await writeFile(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
say(quick ? '\n(--quick: results.json not written)' : '\nWrote bench/results.json');
await bench.sim.close();
await disposeHarness();
process.exit(0);
