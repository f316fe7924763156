// `n8n start` checks (run on n8n 2.x): the server on 127.0.0.1 with the CLI runs' user folder
// (package, credentials), readiness, the owner created over the REST API, the node and the
// credential type listed, n8n's credential test (right key passes, wrong key fails), one workflow
// run through a webhook, and the files-in example through the local S3 server (s3-runs.mjs); the
// server is stopped by its process id, also on failure.
import { join } from 'node:path';

import { NODE_TYPE, check, say, step } from './lib.mjs';
import { binaryInChecks } from './s3-runs.mjs';
import { activateAndCall, setupOwner, startServer } from './server.mjs';
import { CREDENTIAL, WRONG_KEY, webhookWorkflow } from './workflows.mjs';
import { simulatorCredential } from '../harness/inpaint-workflow.mjs';

export async function serverChecks(ctx) {
	const { n8n, sim, workDir, report } = ctx;
	let server;
	try {
		server = await step(`${n8n.name}: n8n start on 127.0.0.1, wait for /healthz/readiness`, () =>
			startServer(n8n, join(workDir, 'cli-user'), join(workDir, 'files')),
		);
		const { rest } = server;
		report(`n8n start (pid ${server.child.pid}) ready on ${server.base}`);

		await step(`${n8n.name}: create the owner (POST /rest/owner/setup)`, () => setupOwner(rest));

		await step(`${n8n.name}: node and credential type listed`, async () => {
			const nodes = (await rest('GET', '/types/nodes.json')).json;
			const node = nodes?.find((n) => n.name === NODE_TYPE);
			check(node, `${NODE_TYPE} is not in /types/nodes.json`, nodes?.length);
			// n8n itself appends "Custom API Call" (__CUSTOM_API_CALL__) to nodes with credentials.
			const operation = node.properties.find((p) => p.name === 'operation');
			const operations = operation?.options.map((o) => o.value) ?? [];
			check(
				String(operations.filter((o) => o !== '__CUSTOM_API_CALL__')) === 'submit,getResults',
				`${NODE_TYPE}: unexpected operations`,
				operation,
			);
			const credentials = (await rest('GET', '/types/credentials.json')).json;
			const credential = credentials?.find((c) => c.name === 'pixazoApi');
			check(
				credential?.displayName === 'Pixazo API',
				'pixazoApi is not in /types/credentials.json',
				credentials?.length,
			);
			report(
				`/types/nodes.json lists "${node.displayName}" (${NODE_TYPE}, operations ${operations}); /types/credentials.json lists "${credential.displayName}"`,
			);
		});

		await step(
			`${n8n.name}: credential test over REST (right key passes, wrong key fails)`,
			async () => {
				const data = simulatorCredential(sim);
				const right = await rest('POST', '/rest/credentials/test', {
					credentials: { ...CREDENTIAL, type: 'pixazoApi', data },
				});
				check(
					right.status === 200 && right.json?.data?.status === 'OK',
					'the saved credential with the right key did not pass',
					right.text,
				);
				const wrongData = { ...data, subscriptionKey: WRONG_KEY };
				const wrong = await rest('POST', '/rest/credentials/test', {
					credentials: { id: '', name: 'new', type: 'pixazoApi', data: wrongData },
				});
				check(
					wrong.json?.data?.status === 'Error',
					'a wrong key passed the credential test',
					wrong.text,
				);
				check(
					wrong.json.data.message.includes('rejected (401)'),
					'the wrong-key message does not name the 401',
					wrong.text,
				);
				check(
					!wrong.text.includes(WRONG_KEY) && !right.text.includes(sim.key),
					'a key appeared in a credential test answer',
				);
				report(
					`credential test: right key "${right.json.data.message}", wrong key "${wrong.json.data.message}"`,
				);
			},
		);

		await step(`${n8n.name}: a workflow run through a webhook`, async () => {
			const path = `pixazo-e2e-${server.port}`;
			const answer = await activateAndCall(rest, webhookWorkflow(path, sim), () =>
				rest('POST', `/webhook/${path}`, { prompt: 'Change to a lion' }),
			);
			check(answer.status === 200, `the webhook answered ${answer.status}`, answer.text);
			const item = Array.isArray(answer.json) ? answer.json[0] : answer.json;
			check(
				item?.status === 'succeeded' && item.imageUrl?.startsWith(`${sim.url}/results/`),
				'the webhook run did not return an image URL',
				answer.text,
			);
			report(`webhook POST /webhook/${path} → ${item.status}, ${item.imageUrl}`);
		});

		await binaryInChecks({ ...ctx, rest, base: server.base, port: server.port });
	} finally {
		if (server) {
			const { pid } = server.child;
			await step(`${n8n.name}: stop n8n (pid ${pid})`, server.stop);
			say(
				`  ${n8n.name}: n8n (pid ${pid}) exited with ${server.child.exitCode ?? server.child.signalCode}`,
			);
		}
	}
}
