// Many small executions against a rate-limited API in queue mode: N webhook calls, one image
// each, over the workers, against a gateway that takes 5 requests a second for the key. Every
// execution must end with its image and one submit; each worker learns the pace for all of its
// executions, so few requests are refused.
import { check } from '../lib.mjs';
import { callWebhook, deploy, executions, outputOf, simControl, waitFor } from './api.mjs';
import { webhookInpaint } from './workflows.mjs';

const RATE = 5;

/** Requests answered 429, and all answered, to submit and poll so far. */
function answered(stats) {
	let refused = 0;
	let all = 0;
	for (const endpoint of ['submit', 'poll']) {
		for (const [status, count] of Object.entries(stats.answeredByEndpoint[endpoint] ?? {})) {
			all += count;
			if (status === '429') refused += count;
		}
	}
	return { refused, all };
}

async function configure(sim, partial) {
	const answer = await fetch(`${sim.url}/__control/configure`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(partial),
	});
	check(answer.ok, `configuring the simulator answered ${answer.status}`, await answer.text());
}

export async function rateLimitedScenario(cluster, sim, { executions: n, jobMs, report }) {
	const path = `queue-rate-limited-${Date.now()}`;
	const workflowId = await deploy(
		cluster,
		webhookInpaint('rate limited', path, sim, cluster.credential),
		path,
	);
	const marker = `limited-${Date.now()}`;
	const before = answered(await simControl(sim).stats());
	await configure(sim, { rateLimit: { type: 'tokenBucket', ratePerSec: RATE, burst: RATE } });
	const t0 = Date.now();
	try {
		// The calls arrive together; each execution holds its worker slot while it waits its turn.
		await Promise.all(
			Array.from({ length: n }, async (_, i) => {
				const answer = await callWebhook(cluster, path, {
					prompt: `Change to a lion #${marker}-${i} [sim:ms=${jobMs}]`,
				});
				check(answer.status === 200, `webhook call ${i} answered ${answer.status}`, answer.text);
			}),
		);
		await waitFor(
			`${n} finished executions`,
			async () => (await executions(cluster, workflowId)).length >= n,
			{ timeoutMs: 120_000 + n * 2000, everyMs: 2000 },
		);
	} finally {
		await configure(sim, { rateLimit: null });
	}
	const seconds = (Date.now() - t0) / 1000;
	const list = await executions(cluster, workflowId, { includeData: true });
	const bad = list.filter((e) => e.status !== 'success');
	check(bad.length === 0, `${bad.length} of ${n} executions did not succeed`, bad.slice(0, 3));
	for (const e of list) {
		const [item] = outputOf(e, 'Inpaint');
		check(item?.json?.status === 'succeeded', `execution ${e.id} has no image`, item?.json);
	}
	const stats = await simControl(sim).stats();
	const jobs = stats.jobs.filter((j) => j.prompt.includes(`#${marker}-`));
	check(jobs.length === n, `the simulator created ${jobs.length} jobs for ${n} executions`);
	check(stats.duplicateSubmits === 0, `${stats.duplicateSubmits} duplicate submits`);
	const after = answered(stats);
	const refused = after.refused - before.refused;
	const all = after.all - before.all;
	const share = refused / all;
	check(
		share <= 0.1,
		`${refused} of ${all} requests were answered 429 (${(share * 100).toFixed(1)} %, goal ≤ 10 %)`,
	);
	const floorS = (all - refused) / RATE;
	report(
		`rate-limited: ${n}/${n} webhook executions with their image against ${RATE} requests/s, ${jobs.length} jobs, 0 duplicates; ${refused} of ${all} requests answered 429 (${(share * 100).toFixed(1)} %); ${seconds.toFixed(1)} s, floor ${floorS.toFixed(1)} s`,
	);
	return { n, refused, all, share: +share.toFixed(3), seconds: +seconds.toFixed(1), floorS };
}
