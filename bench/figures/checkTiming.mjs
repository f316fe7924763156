// pollsPerJob, pollsPerJobVaried and detectionDelayP95Ms: status checks per job, and the time from
// a job finishing to the answer that told the node so, at the default Poll Interval (2 s), for
// jobs whose lengths vary ±5 % (5, 20 and 60 s) and ±25 % (20 and 60 s), each kind with its own
// settings (steps), all in one run. Measured in a process that has seen such jobs: a cold run
// first (its figures are what a first run costs), a warm-up, then the measured run.
import { average, DEFAULT_POLL_INTERVAL_MS, percentile, round, say } from '../lib.mjs';
import { items } from '../workflow.mjs';

export const CLASSES = [
	{ name: '5s', ms: 5000, jitter: 0.05, steps: 11, goal: 1.5 },
	{ name: '20s', ms: 20_000, jitter: 0.05, steps: 12, goal: 2 },
	{ name: '60s', ms: 60_000, jitter: 0.05, steps: 13, goal: 2.5 },
	{ name: '20s', ms: 20_000, jitter: 0.25, steps: 14, goal: 4, varied: true },
	{ name: '60s', ms: 60_000, jitter: 0.25, steps: 15, goal: 9, varied: true },
];

export const label = (c) => `${c.name} ±${c.jitter * 100} %`;
const marker = (c) => `[sim:ms=${c.ms}] [sim:jitter=${c.jitter}]`;

/** One run of every class together; returns each class's checks per job and detection delays. */
async function runClasses({ sim, submit, run }, classes, perClass, tag) {
	const input = classes.flatMap((c) =>
		items(perClass, `${tag} ${marker(c)}`).map((item) => ({
			json: { ...item.json, steps: c.steps },
		})),
	);
	const parameters = submit({ additionalFields: { numSteps: '={{ $json.steps }}' } });
	const result = await run('checkTiming', parameters, input);
	if (result.status !== 'success') throw new Error(`${tag}: ${result.error?.message}`);
	const { jobs } = await sim.stats();
	return classes.map((c) => {
		const mine = jobs.filter((j) => j.prompt.includes(`${tag} ${marker(c)}`));
		const delays = mine.map((j) => j.firstSucceededPollAt - j.finishAt);
		return {
			label: label(c),
			jobs: mine.length,
			checksPerJob: round(average(mine.map((j) => j.polls)), 2),
			maxChecks: Math.max(...mine.map((j) => j.polls)),
			detectionDelayP95Ms: round(percentile(delays, 95), 0),
		};
	});
}

export async function checkTiming(bench, results, quick) {
	await bench.sim.configure({ mode: 'async' });
	const classes = quick ? CLASSES.slice(0, 2) : CLASSES;
	const perClass = quick ? 10 : 60;
	const cold = await runClasses(bench, classes, perClass, 'cold');
	if (!quick) await runClasses(bench, classes, perClass, 'warm');
	const measured = await runClasses(bench, classes, perClass, 'measured');
	results.pollsPerJob = {};
	results.pollsPerJobVaried = {};
	results.detectionDelayP95Ms = {};
	results.checkTiming = {
		jobsPerKind: perClass,
		pollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
		cold: {},
		measured: {},
	};
	classes.forEach((c, k) => {
		(c.varied ? results.pollsPerJobVaried : results.pollsPerJob)[c.name] = measured[k].checksPerJob;
		results.detectionDelayP95Ms[label(c)] = measured[k].detectionDelayP95Ms;
		results.checkTiming.measured[label(c)] = { ...measured[k], goal: c.goal };
		results.checkTiming.cold[label(c)] = cold[k];
		say(
			`checks for ${label(c)} jobs: ${measured[k].checksPerJob} per job (goal ≤ ${c.goal}; cold first run ${cold[k].checksPerJob}), detection delay p95 ${measured[k].detectionDelayP95Ms} ms (cold ${cold[k].detectionDelayP95Ms} ms; goal ≤ ${DEFAULT_POLL_INTERVAL_MS})`,
		);
	});
}
