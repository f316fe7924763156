// npm run dev: the n8n 2.x editor on 127.0.0.1 with this package, rebuilt on every change.
//
// Reuses the e2e's machinery (test/e2e/): Node 24 from npm and n8n 2.x installed once into
// test/e2e/.cache/ from its lockfile. Then, in a fresh n8n user folder (a temporary directory,
// removed on exit):
//   - the package is built from the working tree into the folder's community-package directory
//     (.n8n/nodes/node_modules/n8n-nodes-pixazo-inpaint, as n8n installs packages), and
//     `tsc --watch` rebuilds it there on every change of nodes/ or credentials/; n8n runs with
//     N8N_DEV_RELOAD=true and reloads the node when its files change (hot reload);
//   - the API simulator and a fake OpenAI-compatible model run in this process;
//   - n8n start on 127.0.0.1, the owner account, the credentials "Pixazo API (simulator)" and
//     "OpenAI (fake model)" and every example workflow are created over the REST API;
//   - the editor's URL and login are printed. Ctrl-C stops everything this started.
//
// npm run dev -- --check   starts it all, runs the dog → lion example through the editor's REST
//                          API, proves the hot reload, prints the result, stops, exits 0 or 1.
// npm run dev -- --check --screenshots   also saves docs/images/dev-editor.png (that run in the
//                          editor) and agent-tool-*.png (Debian's Chromium, as npm run screenshots).
// npm run dev -- --port 5678   a fixed editor port (default: a free one).
import {
	cpSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	utimesSync,
	writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { startSimulator } from '../simulator/server.mjs';
import { startFakeOpenAi } from '../test/e2e/fake-openai.mjs';
import { ensureN8n, ensureNode24, ensureSqlite3, n8nCached } from '../test/e2e/install.mjs';
import {
	PACKAGE_NAME,
	ROOT,
	check,
	killAllChildren,
	runOk,
	say,
	sleep,
	start,
	stopChild,
} from '../test/e2e/lib.mjs';
import { OWNER, setupOwner, startServer } from '../test/e2e/server.mjs';
import { simulatorCredential } from '../test/harness/inpaint-workflow.mjs';

const args = process.argv.slice(2);
const CHECK = args.includes('--check');
const SCREENSHOTS = args.includes('--screenshots');
const portArg = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : undefined;
const EXAMPLES = join(ROOT, 'examples');
const DOG_TO_LION = 'Inpaint: dog to lion';

/** Copies the icons and the codex next to the compiled files (what gulp build:icons does for dist/). */
function copyAssets(distDir) {
	for (const dir of ['nodes', 'credentials']) {
		cpSync(join(ROOT, dir), join(distDir, dir), {
			recursive: true,
			filter: (src) => !/\.ts$/.test(src),
		});
	}
}

/** The package's folder in the user folder: package.json as published, dist/ built from the working tree. */
async function buildPackageInto(userFolder) {
	const pkgDir = join(userFolder, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME);
	mkdirSync(pkgDir, { recursive: true });
	const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
	for (const field of ['devDependencies', 'peerDependencies', 'scripts']) delete manifest[field];
	writeFileSync(join(pkgDir, 'package.json'), JSON.stringify(manifest, null, 2));
	writeFileSync(
		join(userFolder, '.n8n', 'nodes', 'package.json'),
		JSON.stringify(
			{
				name: 'installed-nodes',
				private: true,
				dependencies: { [PACKAGE_NAME]: manifest.version },
			},
			null,
			2,
		),
	);
	await runOk(
		process.execPath,
		[
			join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
			'-p',
			join(ROOT, 'tsconfig.json'),
			'--outDir',
			join(pkgDir, 'dist'),
		],
		{ cwd: ROOT },
	);
	copyAssets(join(pkgDir, 'dist'));
	return pkgDir;
}

/** Workflows of examples/, their credential references pointed at the credentials just created. */
function exampleWorkflows(credentialRefs) {
	return readdirSync(EXAMPLES)
		.filter((f) => f.endsWith('.workflow.json'))
		.map((file) => {
			const workflow = JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8'));
			for (const node of workflow.nodes) {
				for (const type of Object.keys(node.credentials ?? {}))
					if (credentialRefs[type]) node.credentials[type] = credentialRefs[type];
			}
			return { ...workflow, id: undefined, active: false };
		});
}

async function createCredential(rest, name, type, data) {
	const r = await rest('POST', '/rest/credentials', { name, type, data });
	check(r.status === 200 && r.json?.data?.id, `creating the credential "${name}" failed`, r.text);
	return { id: r.json.data.id, name };
}

/** Runs a saved workflow as the editor's Execute button does, and waits for its execution to finish. */
async function runFromEditor(rest, workflow, n8nDir) {
	const { parse } = createRequire(join(n8nDir, 'node_modules', 'n8n', 'package.json'))('flatted');
	const trigger = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.manualTrigger');
	const started = await rest('POST', `/rest/workflows/${workflow.id}/run`, {
		workflowData: workflow,
		triggerToStartFrom: { name: trigger.name },
	});
	const executionId = started.json?.data?.executionId;
	check(
		started.status === 200 && executionId,
		'the editor did not start the workflow',
		started.text,
	);
	for (;;) {
		const r = await rest('GET', `/rest/executions/${executionId}`);
		check(r.status === 200, `GET /rest/executions/${executionId} answered ${r.status}`, r.text);
		const execution = r.json.data;
		if (
			execution.finished ||
			['success', 'error', 'crashed', 'canceled'].includes(execution.status)
		) {
			return {
				...execution,
				data: typeof execution.data === 'string' ? parse(execution.data) : execution.data,
			};
		}
		await sleep(300);
	}
}

/** Waits until n8n's output shows a hot reload of the package after `since` characters. */
async function hotReloadSeen(server, since) {
	for (let i = 0; i < 100; i++) {
		if (server.child.output.slice(since).includes(`Hot reload triggered for ${PACKAGE_NAME}`))
			return true;
		await sleep(200);
	}
	return false;
}

let sim;
let fakeModel;
let server;
let watcher;
let userFolder;
let exitCode = 0;
const stopAll = async () => {
	if (watcher) await stopChild(watcher, 5_000);
	if (server) await server.stop();
	await sim?.close();
	await fakeModel?.close();
	killAllChildren();
	if (userFolder) rmSync(userFolder, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM']) {
	process.removeAllListeners(signal);
	process.once(signal, () => {
		say('stopping: n8n, tsc --watch, the simulator, the fake model …');
		stopAll().finally(() => process.exit(0));
	});
}

try {
	const node24 = await ensureNode24();
	const n8n = {
		...(await ensureN8n('2', node24, n8nCached('2') ? null : ensureSqlite3())),
		name: 'n8n 2.x',
	};
	userFolder = mkdtempSync(join(tmpdir(), 'pixazo-dev-'));
	const filesDir = join(userFolder, 'files');
	const pkgDir = await buildPackageInto(userFolder);
	say(`package built from ${ROOT} into ${pkgDir}`);

	sim = await startSimulator({ jobMs: 1500 });
	fakeModel = await startFakeOpenAi();
	say(`API simulator ${sim.url}, fake OpenAI model ${fakeModel.baseUrl}`);

	watcher = start(
		process.execPath,
		[
			join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
			'-p',
			'tsconfig.json',
			'--watch',
			'--preserveWatchOutput',
			'--outDir',
			join(pkgDir, 'dist'),
		],
		{
			onOutput: (text) => {
				for (const line of text.split('\n').filter((l) => /error|Found \d+ error/.test(l)))
					say(`tsc: ${line.trim()}`);
			},
		},
	);

	const devN8n = { ...n8n, env: { ...n8n.env, N8N_DEV_RELOAD: 'true' } };
	server = await startServer(devN8n, userFolder, filesDir, { port: portArg });
	const { rest, base } = server;
	await setupOwner(rest);
	const pixazo = await createCredential(
		rest,
		'Pixazo API (simulator)',
		'pixazoApi',
		simulatorCredential(sim),
	);
	const openAi = await createCredential(rest, 'OpenAI (fake model)', 'openAiApi', {
		apiKey: 'sk-dev-fake-model-key',
		url: fakeModel.baseUrl,
	});
	const created = [];
	for (const workflow of exampleWorkflows({ pixazoApi: pixazo, openAiApi: openAi })) {
		const r = await rest('POST', '/rest/workflows', workflow);
		check(r.status === 200 && r.json?.data?.id, `importing "${workflow.name}" failed`, r.text);
		created.push(r.json.data);
	}

	say('');
	say(`n8n ${n8n.version} editor: ${base}/   (log in: ${OWNER.email} / ${OWNER.password})`);
	say(`  workflows: ${created.map((w) => `"${w.name}"`).join(', ')}`);
	say(`  credentials: "${pixazo.name}" → ${sim.url}, "${openAi.name}" → ${fakeModel.baseUrl}`);
	say(
		`  ${PACKAGE_NAME} from ${relative(process.cwd(), ROOT) || '.'}: edit nodes/ or credentials/, tsc rebuilds, n8n reloads it (reopen the node panel)`,
	);

	if (CHECK) {
		const dog = created.find((w) => w.name === DOG_TO_LION);
		check(dog, `no workflow "${DOG_TO_LION}" was imported`);
		const execution = await runFromEditor(rest, dog, n8n.dir);
		const runData = execution.data?.resultData?.runData ?? {};
		const inpaintName = dog.nodes.find((n) => n.type === `${PACKAGE_NAME}.inpaint`).name;
		const item = runData[inpaintName]?.[0]?.data?.main?.[0]?.[0];
		say(`dog → lion through the editor's REST API: execution ${execution.id} ${execution.status}`);
		say(`  ${JSON.stringify({ ...item?.json, raw: undefined })}`);
		say(
			`  binary: ${JSON.stringify(item?.binary?.data ? { fileName: item.binary.data.fileName, mimeType: item.binary.data.mimeType, fileSize: item.binary.data.fileSize } : null)}`,
		);
		check(
			execution.status === 'success',
			`the execution ended ${execution.status}`,
			execution.data?.resultData?.error,
		);
		check(
			item?.json?.status === 'succeeded' && item.json.imageUrl?.startsWith(`${sim.url}/results/`),
			'no image from the simulator',
			item?.json,
		);
		check(item?.binary?.data?.mimeType === 'image/png', 'no PNG binary', item?.binary);
		// Hot reload: a rebuilt file in the package folder makes n8n reload the package.
		const since = server.child.output.length;
		const nodeFile = join(pkgDir, 'dist', 'nodes', 'Inpaint', 'Inpaint.node.js');
		writeFileSync(nodeFile, readFileSync(nodeFile));
		utimesSync(nodeFile, new Date(), new Date());
		check(
			await hotReloadSeen(server, since),
			'n8n did not reload the package after its files changed',
			server.child.output.slice(since, since + 3000),
		);
		say(`hot reload: n8n reloaded ${PACKAGE_NAME} after its dist/ changed`);
		if (SCREENSHOTS) {
			const { devScreenshots } = await import('../test/e2e/dev-screenshots.mjs');
			const agent = created.find((w) =>
				w.nodes.some((n) => n.type === `${PACKAGE_NAME}.inpaintTool`),
			);
			await devScreenshots(server, {
				executionPath: `/workflow/${dog.id}/executions/${execution.id}`,
				agentWorkflowId: agent.id,
				toolNodeName: agent.nodes.find((n) => n.type === `${PACKAGE_NAME}.inpaintTool`).name,
			});
		}
		say('CHECK PASSED');
	} else {
		server.child.stdout.on('data', (text) => {
			for (const line of String(text)
				.split('\n')
				.filter((l) => /Hot reload/.test(l)))
				say(`n8n: ${line.trim()}`);
		});
		say('Ctrl-C stops n8n, tsc --watch, the simulator and the fake model.');
		await new Promise(() => {}); // until Ctrl-C
	}
} catch (error) {
	exitCode = 1;
	say(`FAILED: ${error?.message ?? error}`);
	if (error?.name !== 'AssertionError' && error?.stack) say(error.stack);
} finally {
	await stopAll();
}
process.exit(exitCode);
