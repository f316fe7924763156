// n8n 1.x: SIGKILL a worker holding running executions and leave it dead. 1.x's Bull allows one
// stall by default (QUEUE_WORKER_MAX_STALLED_COUNT=1): the surviving worker may pick a stalled job
// up and run the execution again, submitting its item a second time. With the setting at 0 (what
// the README recommends, and what this run sets unless told otherwise) no execution runs twice.
import { check, say } from '../lib.mjs';
import { executions, unfinished, waitFor } from './api.mjs';
import { jobsOf, trigger } from './faults.mjs';

export async function v1KillScenario(cluster, sim, { jobMs, maxStalledCount, report }) {
	const count = cluster.workers.length * cluster.concurrency;
	const run = await trigger(cluster, sim, 'v1-kill', count, jobMs);
	await waitFor(`${count} executions started on the workers`, async () => {
		const ran = cluster.whoRan();
		const running = await executions(cluster, run.workflowId, { status: 'running' });
		return (
			running.length === count &&
			running.every((e) => ran.has(String(e.id))) &&
			(await jobsOf(sim, run.marker)).length === count
		);
	});
	const [victim, survivor] = cluster.workers;
	const before = cluster.whoRan();
	const onVictim = [...before].filter(([, by]) => by.includes(victim.name)).map(([id]) => id);
	const killedAt = Date.now();
	await cluster.kill(victim);
	say(
		`  SIGKILL ${victim.name} (pid ${victim.child.pid}) at ${new Date(killedAt).toISOString().slice(11, 23)} holding executions ${onVictim.join(', ')}; it stays dead`,
	);
	const settled = await waitFor(
		'no running execution left',
		async () => ((await unfinished(cluster, run.workflowId)).length === 0 ? Date.now() : null),
		{
			timeoutMs: 120_000,
			everyMs: 1000,
		},
	);
	const list = await executions(cluster, run.workflowId);
	const after = cluster.whoRan();
	const rerun = onVictim.filter((id) => (after.get(id) ?? []).includes(survivor.name));
	const jobs = await jobsOf(sim, run.marker);
	const statuses = {};
	for (const e of list)
		statuses[`${onVictim.includes(String(e.id)) ? 'killed' : 'survivor'}:${e.status}`] =
			(statuses[`${onVictim.includes(String(e.id)) ? 'killed' : 'survivor'}:${e.status}`] ?? 0) + 1;
	const figures = {
		maxStalledCount,
		killed: onVictim.length,
		rerun: rerun.length,
		jobs: jobs.length,
		count,
		statuses,
		settledS: +((settled - killedAt) / 1000).toFixed(1),
	};
	say(`  n8n 1.x, QUEUE_WORKER_MAX_STALLED_COUNT=${maxStalledCount}: ${JSON.stringify(figures)}`);
	if (maxStalledCount === 0) {
		check(list.length === count, `${list.length} of ${count} executions finished`);
		check(
			rerun.length === 0,
			`${rerun.length} killed executions ran again on ${survivor.name}`,
			rerun,
		);
		check(
			jobs.length === count,
			`${jobs.length} jobs for ${count} executions: an item was submitted twice`,
		);
	}
	report(
		`n8n 1.x SIGKILL ${victim.name} (left dead) holding ${onVictim.length} running executions, QUEUE_WORKER_MAX_STALLED_COUNT=${maxStalledCount}: none left running ${figures.settledS} s after the kill, ${JSON.stringify(statuses)}, ${rerun.length} re-run on ${survivor.name}, ${jobs.length} jobs for ${count} executions`,
	);
	return figures;
}
