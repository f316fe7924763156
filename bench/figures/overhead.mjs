// overheadRatio: 1,000 items answered at once (sync mode) through n8n's engine and the node,
// against a bare undici client sending the same requests, and against n8n's own HTTP layer alone.
import { createRequire } from 'node:module';

import { Agent, request } from 'undici';

import { Container } from '../../test/harness/engine.mjs';
import { CONCURRENCY, inPool, median, round, say } from '../lib.mjs';

/** Sends `n` requests with `send`, CONCURRENCY at a time, as the node's Concurrency does; returns the ms taken. */
async function timedPool(n, send) {
	const started = performance.now();
	await inPool(n, CONCURRENCY, send);
	return performance.now() - started;
}

export async function overhead({ sim, submit, timedRun }, results, quick) {
	await sim.configure({ mode: 'sync' });
	const n = quick ? 300 : 1000;
	const url = `${sim.submitBaseUrl}/getImage`;
	// The same request for every item in all three clients (a fixed prompt: an expression per
	// item would add n8n's expression evaluation, which the bare clients do not do).
	const body = JSON.stringify({
		prompt: 'Change to a lion',
		imageUrl: sim.sampleImageUrl,
		maskUrl: sim.sampleMaskUrl,
	});
	const rawClient = async (count) => {
		const dispatcher = new Agent({ connections: CONCURRENCY });
		const ms = await timedPool(count, async () => {
			const res = await request(url, {
				method: 'POST',
				dispatcher,
				headers: { 'content-type': 'application/json', 'ocp-apim-subscription-key': sim.key },
				body,
			});
			if (!(await res.body.json()).imageUrl) throw new Error('raw client: no image');
		});
		await dispatcher.close();
		return ms;
	};
	// What `httpRequestWithAuthentication` calls, without the engine or the node.
	const fromCore = createRequire(createRequire(import.meta.url).resolve('n8n-core'));
	const { OutboundHttp } = fromCore('@n8n/backend-network');
	const http = Container.get(OutboundHttp).requests();
	const n8nTransport = (count) =>
		timedPool(count, async () => {
			const res = await http.request({
				method: 'POST',
				url,
				headers: { 'Content-Type': 'application/json', 'Ocp-Apim-Subscription-Key': sim.key },
				body,
				encoding: 'text',
				json: false,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: 60_000,
			});
			if (!JSON.parse(res.body).imageUrl) throw new Error('n8n transport: no image');
		});
	const same = submit({ prompt: 'Change to a lion' });
	await timedRun('overhead', 100, same, 'warm-sync');
	await rawClient(100);
	await n8nTransport(100);
	const engine = [];
	const raw = [];
	const transport = [];
	for (let r = 0; r < 3; r++) {
		raw.push(await rawClient(n));
		transport.push(await n8nTransport(n));
		engine.push(await timedRun('overhead', n, same, `engine${r}`));
	}
	results.overheadRatio = round(median(engine) / median(raw), 3);
	results.overhead = {
		items: n,
		concurrency: CONCURRENCY,
		engineMs: engine.map((x) => round(x, 0)),
		rawUndiciMs: raw.map((x) => round(x, 0)),
		n8nTransportMs: transport.map((x) => round(x, 0)),
		n8nTransportVsRawUndici: round(median(transport) / median(raw), 3),
		engineVsN8nTransport: round(median(engine) / median(transport), 3),
	};
	say(
		`overhead: ${n} sync items engine ${round(median(engine))} ms vs raw undici ${round(median(raw))} ms → ratio ${results.overheadRatio}`,
	);
	say(
		`  n8n's own HTTP layer alone (no engine, no node): ${round(median(transport))} ms = ${results.overhead.n8nTransportVsRawUndici} × raw undici; engine + node = ${results.overhead.engineVsN8nTransport} × that`,
	);
}
