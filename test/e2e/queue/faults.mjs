// Faults on workers, each asserted from what n8n (public API, worker logs) and the simulator
// recorded: a stop over REST while a job polls, SIGKILL of a worker holding running executions,
// SIGTERM of a worker whose jobs are shorter than the graceful-shutdown timeout.
import { check, say, sleep } from '../lib.mjs';
import {
	callWebhook,
	deploy,
	executions,
	publicApi,
	simControl,
	unfinished,
	waitFor,
} from './api.mjs';
import { acceptedLine } from './load.mjs';
import { recoverJob, webhookInpaint } from './workflows.mjs';

/** Deploys a Webhook → Inpaint workflow and calls it `count` times with `jobMs` jobs; { workflowId, marker }. */
export async function trigger(cluster, sim, name, count, jobMs) {
	const path = `queue-${name}-${Date.now()}`;
	const workflowId = await deploy(
		cluster,
		webhookInpaint(name, path, sim, cluster.credential),
		path,
	);
	const marker = `${name}-${Date.now()}`;
	await Promise.all(
		Array.from({ length: count }, async (_, i) => {
			const answer = await callWebhook(cluster, path, {
				prompt: `Change to a lion #${marker}-${i} [sim:ms=${jobMs}]`,
			});
			check(answer.status === 200, `webhook call answered ${answer.status}`, answer.text);
		}),
	);
	return { workflowId, marker };
}

export const jobsOf = async (sim, marker) =>
	(await simControl(sim).stats()).jobs.filter((j) => j.prompt.includes(`#${marker}-`));

/** Waits until all `count` executions of the workflow run on workers and have submitted their jobs. */
async function allRunning(cluster, sim, { workflowId, marker }, count) {
	return waitFor(
		`${count} running executions`,
		async () => {
			const running = await executions(cluster, workflowId, { status: 'running' });
			const ran = cluster.whoRan();
			const started = running.filter((e) => ran.has(String(e.id)));
			return started.length === count && (await jobsOf(sim, marker)).length === count
				? started
				: null;
		},
		{ timeoutMs: 60_000 },
	);
}

/** (c) POST /rest/executions/:id/stop while the job polls: answered, `canceled`, no poll 1 s after. */
export async function stopScenario(cluster, sim, { report }) {
	const run = await trigger(cluster, sim, 'stop', 1, 60_000);
	const [execution] = await allRunning(cluster, sim, run, 1);
	const [job] = await jobsOf(sim, run.marker);
	await waitFor(
		'a few polls of the job',
		async () => (await jobsOf(sim, run.marker))[0].polls >= 2,
	);
	const stopAt = Date.now();
	const answer = await cluster.rest('POST', `/rest/executions/${execution.id}/stop`, {});
	const answerMs = Date.now() - stopAt;
	check(answer.status === 200, `stop answered ${answer.status}`, answer.text);
	const final = await waitFor(
		'the stopped execution to end',
		async () => {
			const e = await publicApi(cluster, `/executions/${execution.id}`);
			return e.status !== 'running' && e.status !== 'new' ? e : null;
		},
		{ timeoutMs: 20_000, everyMs: 250 },
	);
	await sleep(Math.max(0, stopAt + 3000 - Date.now()));
	const polls = (await simControl(sim).requests()).filter(
		(r) => r.endpoint === 'poll' && r.body?.job_set_id === job.jobSetId,
	);
	const late = polls.filter((r) => r.time > stopAt + 1000);
	const after = polls.filter((r) => r.time > stopAt);
	check(
		final.status === 'canceled',
		`the stopped execution ended "${final.status}", not "canceled"`,
	);
	check(
		late.length === 0,
		`${late.length} polls of ${job.jobSetId} arrived more than 1 s after the stop`,
		late.map((r) => r.time - stopAt),
	);
	report(
		`stop over REST: answered in ${answerMs} ms, execution ${execution.id} "canceled", ${after.length} polls after the stop (${polls.length - after.length} before), none later than 1 s`,
	);
	return { answerMs, pollsAfter: after.length };
}

/**
 * (a) SIGKILL worker-1 while both workers hold running executions (2 × concurrency, long jobs):
 * its executions end (none stays running), none is started twice, one job each. The survivor
 * finishes its own. With the node's accepted-job log line, every killed execution's jobSetId is
 * in the dead worker's log: that is how an operator recovers the jobs.
 */
export async function killScenario(cluster, sim, { jobMs, logsAccepted, report }) {
	const count = cluster.workers.length * cluster.concurrency;
	const run = await trigger(cluster, sim, 'kill', count, jobMs);
	const running = await allRunning(cluster, sim, run, count);
	const [victim] = cluster.workers;
	const onVictim = running
		.filter((e) => cluster.whoRan().get(String(e.id))?.includes(victim.name))
		.map((e) => String(e.id));
	check(onVictim.length > 0, `${victim.name} holds none of the running executions`);
	const killedAt = Date.now();
	await cluster.kill(victim);
	say(
		`  SIGKILL ${victim.name} (pid ${victim.child.pid}) at ${new Date(killedAt).toISOString().slice(11, 23)} holding executions ${onVictim.join(', ')}`,
	);
	const ended = await waitFor(
		'no running execution left',
		async () => ((await unfinished(cluster, run.workflowId)).length === 0 ? Date.now() : null),
		{
			timeoutMs: 150_000,
			everyMs: 500,
		},
	);
	const list = await executions(cluster, run.workflowId, { includeData: true });
	check(list.length === count, `${list.length} of ${count} executions finished`);
	const ran = cluster.whoRan();
	for (const e of list)
		check(
			ran.get(String(e.id))?.length === 1,
			`execution ${e.id} was started ${ran.get(String(e.id))?.length ?? 0} times`,
			ran.get(String(e.id)),
		);
	const jobs = await jobsOf(sim, run.marker);
	check(
		jobs.length === count,
		`${jobs.length} jobs for ${count} executions: an item was submitted twice`,
	);
	const statuses = {};
	for (const e of list)
		statuses[`${onVictim.includes(String(e.id)) ? 'killed' : 'survivor'}:${e.status}`] =
			(statuses[`${onVictim.includes(String(e.id)) ? 'killed' : 'survivor'}:${e.status}`] ?? 0) + 1;
	check(
		list.filter((e) => !onVictim.includes(String(e.id))).every((e) => e.status === 'success'),
		"the surviving worker's executions did not all succeed",
		statuses,
	);
	let recovered = '';
	if (logsAccepted) {
		const log = cluster.log(victim);
		const byExecution = new Map(jobs.map((j) => [j.jobSetId, j]));
		const lines = [...log.matchAll(/Pixazo job accepted: jobSetId=(\S+) execution=(\d+)/g)].filter(
			(m) => onVictim.includes(m[2]),
		);
		check(
			new Set(lines.map((m) => m[2])).size === onVictim.length,
			`the dead worker's log names ${lines.length} of ${onVictim.length} accepted jobs`,
		);
		check(
			lines.every((m) => byExecution.has(m[1])),
			"a jobSetId in the dead worker's log is not one the simulator created",
		);
		check(
			lines.every((m) => log.includes(acceptedLine(m[1], m[2], 'Inpaint', 0))),
			'an accepted-job line is not in the documented form',
		);
		// What the README tells an operator to do: Get Results with each logged Job Set ID.
		const path = `queue-recover-${Date.now()}`;
		await deploy(cluster, recoverJob(path, cluster.credential), path);
		const submitsBefore = (await simControl(sim).stats()).requests.submit;
		for (const [, jobSetId] of lines) {
			const answer = await callWebhook(cluster, path, { jobSetId });
			const item = Array.isArray(answer.json) ? answer.json[0] : answer.json;
			check(
				item?.status === 'succeeded' && item.jobSetId === jobSetId && item.imageUrl,
				`recovering ${jobSetId} with Get Results failed`,
				answer.text,
			);
		}
		check(
			(await simControl(sim).stats()).requests.submit === submitsBefore,
			'recovering the jobs submitted something',
		);
		recovered = `; the dead worker's log names all ${onVictim.length} of its accepted jobSetIds, and Get Results with them returned ${onVictim.length} images, no new submit`;
	}
	report(
		`SIGKILL ${victim.name} holding ${onVictim.length} running executions: none left running ${((ended - killedAt) / 1000).toFixed(1)} s after the kill, ${JSON.stringify(statuses)}, each started once, ${jobs.length} jobs for ${count} executions, 0 duplicates${recovered}`,
	);
	return { endedS: +((ended - killedAt) / 1000).toFixed(1), statuses };
}

/** (b) SIGTERM a worker whose running jobs are shorter than the graceful-shutdown timeout: it drains them. */
export async function termScenario(cluster, sim, { jobMs, report }) {
	const count = cluster.workers.length * cluster.concurrency;
	const run = await trigger(cluster, sim, 'term', count, jobMs);
	await allRunning(cluster, sim, run, count);
	const victim =
		cluster.workers.find((w) => w.child && w.child.exitCode === null) ?? cluster.workers[0];
	const onVictim = [...cluster.whoRan()]
		.filter(([, by]) => by.includes(victim.name))
		.map(([id]) => id);
	const exit = await cluster.terminate(victim);
	const exitedAt = Date.now();
	await waitFor(
		'no running execution left',
		async () => (await unfinished(cluster, run.workflowId)).length === 0,
		{ timeoutMs: 120_000 },
	);
	const list = await executions(cluster, run.workflowId);
	const mine = list.filter((e) => onVictim.includes(String(e.id)));
	check(mine.length > 0, `${victim.name} ran none of the executions`);
	check(exit.code === 0, `${victim.name} exited with ${exit.code ?? exit.signal} after SIGTERM`);
	check(
		mine.every((e) => e.status === 'success'),
		`not every execution on ${victim.name} succeeded`,
		mine.map((e) => e.status),
	);
	check(
		mine.every((e) => Date.parse(e.stoppedAt) <= exitedAt),
		`an execution of ${victim.name} finished after the worker exited`,
	);
	check(
		list.length === count && list.every((e) => e.status === 'success'),
		'not every execution succeeded',
		list.map((e) => e.status),
	);
	report(
		`SIGTERM ${victim.name} holding ${mine.length} running executions (${jobMs / 1000} s jobs): all ${mine.length} succeeded, the worker exited with 0 after ${(exit.ms / 1000).toFixed(1)} s`,
	);
	return { exitS: +(exit.ms / 1000).toFixed(1) };
}
