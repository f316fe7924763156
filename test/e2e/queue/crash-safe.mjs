// The crash-safe pattern (examples/queue-mode-crash-safe.workflow.json): Submit without waiting →
// Wait 70 s → Get Results → If, looping. With a Wait of more than 65 s n8n parks the execution in
// the database; the run kills both workers during the Wait, and every item must still end with its
// image, the simulator having seen exactly one submit per item.
import { check } from '../lib.mjs';
import { callWebhook, deploy, executions, outputOf, waitFor } from './api.mjs';
import { jobsOf } from './faults.mjs';
import { crashSafe } from './workflows.mjs';

/** Deploys the example and calls it `count` times; resolves once all executions are parked (`waiting`). */
export async function crashSafeStart(cluster, sim, { count, jobMs }) {
	const path = `queue-crash-safe-${Date.now()}`;
	const workflowId = await deploy(cluster, crashSafe(path, cluster.credential), path);
	const marker = `crash-safe-${Date.now()}`;
	const calledAt = Date.now();
	for (let i = 0; i < count; i++) {
		const answer = await callWebhook(cluster, path, {
			prompt: `Remove the watermark #${marker}-${i} [sim:ms=${jobMs}]`,
		});
		check(answer.status === 200, `webhook call answered ${answer.status}`, answer.text);
	}
	const parked = await waitFor(
		`${count} executions parked as waiting`,
		async () => {
			const list = await executions(cluster, workflowId, { status: 'waiting' });
			return list.length === count ? list : null;
		},
		{ timeoutMs: 60_000 },
	);
	return {
		workflowId,
		marker,
		count,
		calledAt,
		parkedAt: Date.now(),
		ids: parked.map((e) => String(e.id)),
	};
}

/** After the kills: every parked execution resumes on a live worker and ends with its image, one submit each. */
export async function crashSafeFinish(cluster, sim, run, { killedAt, report }) {
	check(
		killedAt.length >= 2 && killedAt.every((t) => t > run.parkedAt),
		'both workers must have been killed during the Wait',
	);
	const list = await waitFor(
		'the parked executions to finish',
		async () => {
			const done = await executions(cluster, run.workflowId, { includeData: true });
			return done.length === run.count &&
				done.every((e) => e.status !== 'waiting' && e.status !== 'running')
				? done
				: null;
		},
		{ timeoutMs: 150_000, everyMs: 1000 },
	);
	const jobs = await jobsOf(sim, run.marker);
	check(
		jobs.length === run.count,
		`the simulator saw ${jobs.length} submits for ${run.count} items`,
	);
	for (const e of list) {
		check(e.status === 'success', `crash-safe execution ${e.id} ended "${e.status}"`);
		const results = outputOf(e, 'Get results');
		const last = results.at(-1)?.json;
		check(
			last?.status === 'succeeded' && last.imageUrl?.startsWith(`${sim.url}/results/`),
			`crash-safe execution ${e.id} ended without its image`,
			last,
		);
		check(
			jobs.some((j) => j.jobSetId === last.jobSetId),
			`execution ${e.id} read a job the simulator does not know`,
		);
	}
	const resumedBy = cluster.whoRan();
	const by = run.ids.map((id) => (resumedBy.get(id) ?? []).join('→'));
	const endS = Math.max(...list.map((e) => Date.parse(e.stoppedAt))) - run.calledAt;
	report(
		`crash-safe pattern: ${run.count} executions parked (Wait 70 s), both workers SIGKILLed during the Wait, then ${run.count}/${run.count} ended with their image ${(endS / 1000).toFixed(1)} s after the call, 1 submit per item (workers: ${by.join(', ')})`,
	);
}
