// longRunGrowthMb: 10,000 one-item executions in one process (bench/long-run.mjs, in a process
// of its own): resident memory after a warm-up and at the end, and the shared state's size.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { here, root, round, say } from '../lib.mjs';

export function longRun(results, quick) {
	const executions = quick ? 2000 : 10_000;
	const line = execFileSync(
		process.execPath,
		['--expose-gc', join(here, 'long-run.mjs'), String(executions)],
		{ cwd: root, maxBuffer: 2 ** 20 },
	).toString();
	const figures = JSON.parse(line.trim().split('\n').pop());
	results.longRunGrowthMb = round(figures.growthMb, 1);
	results.longRun = Object.fromEntries(
		Object.entries(figures).map(([k, v]) => [k, typeof v === 'number' ? round(v, 1) : v]),
	);
	say(
		`long run: ${executions} one-item executions (${figures.keys} keys, ${figures.hosts} hosts) in ${round(figures.seconds)} s, ${figures.failed} failed; RSS ${round(figures.rssAfterWarmUpMb)} → ${round(figures.rssAtEndMb)} MB (${results.longRunGrowthMb} MB); shared state: ${figures.paceLines} pace lines, ${figures.jobKinds} kinds of job`,
	);
}
