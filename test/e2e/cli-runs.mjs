// The `n8n execute` runs of one line: the package installed as a community package in a fresh
// user folder, credentials and workflows imported, every workflow executed and its JSON checked;
// then the failing runs (wrong key, API unreachable). Returns what was checked.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
	EXPECT_NO_RAW_FOR_MODEL,
	agentWorkflow,
	assertAgentRun,
	modelName,
	openAiCredential,
} from './agent-run.mjs';
import { installCommunityPackage } from './install.mjs';
import { NODE_TYPE, check, freePort, seconds, step } from './lib.mjs';
import { N8nCli, nodeItems, nodeRuns } from './n8n.mjs';
import { objectInBucket } from './s3-runs.mjs';
import { BUCKETS, WRONG_KEY, cliWorkflows, credentials, storageCredentials } from './workflows.mjs';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Asserts a successful run and returns the Inpaint node's items. */
function assertSucceeded(label, execution, inpaintName, sim) {
	const { code, result, output } = execution;
	check(code === 0, `${label}: n8n execute exited with ${code}`, output.slice(-3000));
	check(
		result,
		`${label}: no run JSON in the output (is N8N_LOG_LEVEL info?)`,
		output.slice(-3000),
	);
	const error = result.data?.resultData?.error;
	check(
		!error && result.status !== 'error',
		`${label}: the execution failed`,
		error ?? result.status,
	);
	const items = nodeItems(result, inpaintName);
	check(
		items.length > 0,
		`${label}: node "${inpaintName}" output nothing`,
		Object.keys(result.data?.resultData?.runData ?? {}),
	);
	for (const { json } of items.slice(-1)) {
		check(typeof json.status === 'string', `${label}: no status`, json);
		if (json.status !== 'succeeded') continue;
		check(
			json.imageUrl?.startsWith(`${sim.url}/results/`),
			`${label}: imageUrl is not a simulator result`,
			json,
		);
		check(
			Array.isArray(json.imageUrls) && json.imageUrls[0] === json.imageUrl,
			`${label}: imageUrls[0] is not imageUrl`,
			json,
		);
	}
	return items;
}

function assertPngBinary(label, item) {
	const binary = item.binary?.data;
	check(binary, `${label}: no binary "data" on the item`, Object.keys(item));
	check(binary.mimeType === 'image/png', `${label}: binary mimeType is ${binary.mimeType}`, binary);
	check(
		/\.png$/.test(binary.fileName ?? ''),
		`${label}: binary fileName ${binary.fileName}`,
		binary,
	);
	return binary;
}

/** Asserts a failed run: non-zero exit, `message` shown, no key anywhere in the output. */
function assertFailed(label, execution, message, keys) {
	const { code, output } = execution;
	check(
		code !== 0,
		`${label}: n8n execute exited with 0 although the workflow must fail`,
		output.slice(-3000),
	);
	check(output.includes(message), `${label}: the output lacks "${message}"`, output.slice(-3000));
	for (const key of keys)
		check(!output.includes(key), `${label}: the output contains a subscription key`);
}

// n8n 2.41.1 now and then dies of SIGSEGV while exiting after a failed execution (its default
// expression engine, isolated-vm; never seen with N8N_EXPRESSION_ENGINE=legacy): still a failure.
const exitOf = (e) => (e.code === null ? `killed by ${e.signal} while exiting` : `exit ${e.code}`);
const errorMessage = (execution) =>
	execution.result?.data?.resultData?.error?.message ?? '(no error in the run JSON)';

export async function cliRuns({ line, n8n, tarball, sim, s3, fakeModel, workDir, report }) {
	const userFolder = join(workDir, 'cli-user');
	const filesDir = join(workDir, 'files');
	const keys = [sim.key, WRONG_KEY];
	const closedPort = await freePort(); // handed out, never listened on

	const pkg = await step(`${n8n.name}: install the packed tarball as a community package`, () =>
		installCommunityPackage(userFolder, tarball, n8n.env),
	);
	report(`community package ${pkg.version} in ${pkg.installedDir}`);
	const cli = new N8nCli(n8n, userFolder, filesDir);
	const workflows = { ...cliWorkflows(line), agent: agentWorkflow(sim, modelName(n8n)) };

	await step(
		`${n8n.name}: n8n import:credentials (right key, wrong key, unreachable API, fake OpenAI model, AWS and S3 to the local S3 server)`,
		() =>
			cli.importCredentials([
				...credentials(sim, closedPort),
				openAiCredential(fakeModel),
				...storageCredentials(s3),
			]),
	);
	await step(`${n8n.name}: n8n import:workflow (${Object.keys(workflows).length} workflows)`, () =>
		cli.importWorkflows(Object.values(workflows)),
	);
	const runs = [];
	const execute = async (key, label, assert) =>
		step(`${n8n.name}: n8n execute ${workflows[key].id} (${label})`, async () => {
			const execution = await cli.execute(workflows[key].id);
			runs.push(execution);
			const detail = await assert(execution);
			report(`${label}: ${detail} [${seconds(execution.ms)}]`);
		});

	await execute('dogToLion', 'example dog → lion, download', (e) => {
		const [item] = assertSucceeded('dog → lion', e, 'Inpaint dog to lion', sim);
		check(item.json.status === 'succeeded', 'dog → lion: status', item.json);
		const binary = assertPngBinary('dog → lion', item);
		return `succeeded, ${item.json.imageUrl}, binary ${binary.fileName} ${binary.mimeType} ${binary.fileSize ?? ''}`.trim();
	});

	const s3Node = line === '2' ? 'AWS S3 node' : "n8n's S3 node";
	await execute('s3', `S3 example, ${s3Node} → local S3 server`, async (e) => {
		const [item] = assertSucceeded('S3 upload', e, 'Inpaint', sim);
		assertPngBinary('S3 upload', item);
		const bucket = line === '2' ? BUCKETS.awsS3Node : BUCKETS.s3Node;
		const key = `${item.json.jobSetId}.png`;
		const stored = await objectInBucket(s3, bucket, key, 'S3 upload');
		const served = Buffer.from(await (await fetch(item.json.imageUrl)).arrayBuffer());
		check(stored.bytes.subarray(0, 8).equals(PNG_SIGNATURE), 'S3 upload: the object is not a PNG');
		check(
			stored.bytes.equals(served),
			`S3 upload: the object (${stored.bytes.length} B) differs from the API's image (${served.length} B)`,
		);
		return `${s3Node} uploaded ${key} to ${bucket} (${stored.how}, ${stored.contentType}); read back without credentials: ${stored.bytes.length} bytes, identical to the API's image`;
	});

	await execute('telegram', 'Telegram example, Telegram → No Operation', (e) => {
		assertSucceeded('Telegram copy', e, 'Inpaint', sim);
		const [item] = nodeItems(e.result, 'Send to Telegram');
		check(item, 'Telegram copy: the stand-in node received nothing');
		const binary = assertPngBinary('Telegram copy', item);
		check(
			item.json.status === 'succeeded' && item.json.jobSetId,
			'Telegram copy: json lost on the way',
			item.json,
		);
		return `the next node received ${item.json.jobSetId} with binary ${binary.fileName}`;
	});

	await execute('loop', 'wait-loop example, Wait 1 s', (e) => {
		const [submitted] = assertSucceeded('loop', e, 'Submit job', sim);
		check(
			submitted.json.imageUrl === null && submitted.json.jobSetId,
			'loop: Submit without waiting must output only the job',
			submitted.json,
		);
		const polls = nodeRuns(e.result, 'Get results');
		check(polls >= 2, `loop: Get Results ran ${polls} time(s); the loop never went round`);
		const [done] = nodeItems(e.result, 'Use the images');
		check(
			done?.json.status === 'succeeded' && done.json.imageUrl?.startsWith(sim.url),
			'loop: no finished job reached "Use the images"',
			done?.json,
		);
		return `Get Results ran ${polls}× until ${done.json.jobSetId} succeeded`;
	});

	await execute(
		'agent',
		`AI Agent example, fake OpenAI model${EXPECT_NO_RAW_FOR_MODEL ? ', no raw for the model' : ''}`,
		(e) => {
			const requests = fakeModel.requests().filter((r) => r.model === modelName(n8n));
			writeFileSync(join(workDir, 'agent-model-requests.json'), JSON.stringify(requests, null, 2)); // what the model was sent, to read after a run
			const description = workflows.agent.nodes.find((n) => n.parameters.toolDescription).parameters
				.toolDescription;
			return assertAgentRun(e, requests, sim, description);
		},
	);

	await execute('wrongKey', 'wrong key must fail', (e) => {
		assertFailed('wrong key', e, 'The subscription key was rejected (401)', keys);
		return `${exitOf(e)} after ${seconds(e.ms)}: ${errorMessage(e)}`;
	});

	await execute('unreachable', 'unreachable API must fail', (e) => {
		const message = `Could not reach the Pixazo API at 127.0.0.1:${closedPort}: the connection was refused`;
		assertFailed('unreachable', e, message, keys);
		// Given up after its tries, not left hanging: a count (Max Retries 1 → 2 tries), not a time.
		const told = `${JSON.stringify(e.result?.data?.resultData?.error ?? {})} ${e.output}`;
		check(
			told.includes('Tried 2 times'),
			'unreachable: the error does not say the submit was tried 2 times (Max Retries 1)',
			errorMessage(e),
		);
		return `${exitOf(e)} after ${seconds(e.ms)}: ${errorMessage(e)}`;
	});

	for (const e of runs)
		for (const key of keys)
			check(!e.output.includes(key), 'a subscription key appeared in n8n output');
	report(`no subscription key in the output of any of the ${runs.length} runs`);
	const inpaint = Object.values(workflows)
		.flatMap((w) => w.nodes)
		.filter((n) => n.type === NODE_TYPE).length;
	return { runs: runs.length, inpaintNodes: inpaint };
}
