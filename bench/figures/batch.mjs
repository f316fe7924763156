// batchRatio: 100 items of 2 s jobs against one item, default options, side by side; and what
// today's peer nodes take: one item after the other, submit then poll every 2 s until done.
import { Agent, request } from 'undici';

import { DEFAULT_POLL_INTERVAL_MS, median, round, say } from '../lib.mjs';

async function itemByItem(sim, n, jobMs) {
	const dispatcher = new Agent({ connections: 1 });
	const post = async (url, body) => {
		const res = await request(url, {
			method: 'POST',
			dispatcher,
			headers: { 'content-type': 'application/json', 'ocp-apim-subscription-key': sim.key },
			body: JSON.stringify(body),
		});
		return await res.body.json();
	};
	const started = performance.now();
	for (let i = 0; i < n; i++) {
		const job = await post(`${sim.submitBaseUrl}/getImage`, {
			prompt: `peer loop ${i} [sim:ms=${jobMs}]`,
		});
		for (;;) {
			await new Promise((r) => setTimeout(r, DEFAULT_POLL_INTERVAL_MS));
			const state = await post(`${sim.pollBaseUrl}/getGenerationResults`, {
				job_set_id: job.job_set_id,
			});
			if (state.status === 'succeeded') break;
		}
	}
	await dispatcher.close();
	return performance.now() - started;
}

export async function batch({ sim, submit, timedRun }, results, quick) {
	await sim.configure({ mode: 'async', jobMs: 2000 });
	await timedRun('batch', 2, submit(), 'warm'); // warm-up, and what the process learns of 2 s jobs
	const single = [];
	for (let r = 0; r < 3; r++) single.push(await timedRun('batch', 1, submit(), `single${r}`));
	const n = quick ? 30 : 100;
	const batchMs = await timedRun('batch', n, submit(), 'batch');
	const singleMs = median(single);
	results.batchRatio = round(batchMs / singleMs, 3);
	const refItems = quick ? 3 : 10;
	const peerMs = await itemByItem(sim, refItems, 2000);
	results.batch = {
		items: n,
		jobMs: 2000,
		singleMs: round(singleMs, 0),
		batchMs: round(batchMs, 0),
		itemByItemMs: round(peerMs, 0),
		itemByItemItems: refItems,
		itemByItemEstimatedForBatchMs: round((peerMs / refItems) * n, 0),
	};
	say(
		`batch: ${n} items ${round(batchMs / 1000)} s vs 1 item ${round(singleMs / 1000)} s → ratio ${results.batchRatio}`,
	);
	say(
		`  item by item (peers): ${refItems} items ${round(peerMs / 1000)} s → about ${round((peerMs / refItems / 1000) * n)} s for ${n}`,
	);
}
