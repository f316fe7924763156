// longRunGrowthMb: 10,000 one-item executions in one process (bench/long-run.mjs, in a process
// of its own): resident memory after a warm-up and at the end, and the shared state's size.
import { figuresFromProcess, round, say } from '../lib.mjs';

export function longRun(results, quick) {
	const executions = quick ? 2000 : 10_000;
	const figures = figuresFromProcess('long-run.mjs', [executions]);
	results.longRunGrowthMb = figures.growthMb;
	results.longRun = figures;
	say(
		`long run: ${executions} one-item executions (${figures.keys} keys, ${figures.hosts} hosts) in ${round(figures.seconds)} s, ${figures.failed} failed; RSS ${round(figures.rssAfterWarmUpMb)} → ${round(figures.rssAtEndMb)} MB (${results.longRunGrowthMb} MB); shared state: ${figures.paceLines} pace lines, ${figures.jobKinds} kinds of job`,
	);
}
