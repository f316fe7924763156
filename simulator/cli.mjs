#!/usr/bin/env node
// Start the simulator by hand:
//   node simulator/cli.mjs [--port N] [--key K] [--mode sync|async] [--job-ms N] [--job-polls N]
//     [--rename-field api=new]... [--log] [--quiet]
import { parseArgs } from 'node:util';
import { startSimulator } from './server.mjs';

const USAGE =
	'usage: node simulator/cli.mjs [--port N] [--key K] [--mode sync|async] [--job-ms N] [--job-polls N] [--rename-field api=new]... [--log] [--quiet]';

/** @param {string} msg */
function fail(msg) {
	process.stderr.write(`${msg}\n${USAGE}\n`);
	process.exit(2);
}

let args;
try {
	args = parseArgs({
		options: {
			port: { type: 'string' },
			key: { type: 'string' },
			mode: { type: 'string' },
			'job-ms': { type: 'string' },
			'job-polls': { type: 'string' },
			'rename-field': { type: 'string', multiple: true },
			log: { type: 'boolean' },
			quiet: { type: 'boolean' },
			help: { type: 'boolean', short: 'h' },
		},
	}).values;
} catch (err) {
	fail(/** @type {Error} */ (err).message);
}
if (args.help) {
	process.stdout.write(`${USAGE}\n`);
	process.exit(0);
}

/** @param {string | undefined} v @param {string} name */
const int = (v, name) => {
	if (v === undefined) return undefined;
	if (!/^\d+$/.test(v)) fail(`--${name} must be a non-negative integer`);
	return Number(v);
};

/** @type {Record<string, unknown>} */
const options = { log: !!args.log };
if (args.port !== undefined) options.port = int(args.port, 'port');
if (args.key !== undefined) options.key = args.key;
if (args.mode !== undefined) {
	if (args.mode !== 'sync' && args.mode !== 'async') fail('--mode must be sync or async');
	options.mode = args.mode;
}
if (args['job-ms'] !== undefined) options.jobMs = int(args['job-ms'], 'job-ms');
if (args['job-polls'] !== undefined) options.jobPolls = int(args['job-polls'], 'job-polls');
if (args['rename-field']) {
	/** @type {Record<string, string>} */
	const renames = {};
	for (const pair of args['rename-field']) {
		const [from, to, extra] = pair.split('=');
		if (!from || !to || extra !== undefined)
			fail('--rename-field must be api=new, e.g. status=state');
		renames[from] = to;
	}
	options.renameFields = renames;
}

let sim;
try {
	sim = await startSimulator(options);
} catch (err) {
	fail(`cannot start the simulator: ${/** @type {Error} */ (err).message}`);
}

if (!args.quiet) {
	const body = JSON.stringify({
		prompt: 'Change to a lion',
		imageUrl: sim.sampleImageUrl,
		maskUrl: sim.sampleMaskUrl,
	});
	process.stdout.write(
		[
			`Inpainting API simulator listening on ${sim.url} (mode ${sim.config().mode}, job ${sim.config().jobPolls === null ? `${sim.config().jobMs} ms` : `done at poll ${sim.config().jobPolls + 1}`})`,
			`  submit base URL : ${sim.submitBaseUrl}   (POST /getImage)`,
			`  poll base URL   : ${sim.pollBaseUrl}   (POST /getGenerationResults)`,
			`  subscription key: ${sim.key}`,
			`  forbidden key   : ${sim.forbiddenKey}   (answers 403)`,
			`  sample image    : ${sim.sampleImageUrl}`,
			`  sample mask     : ${sim.sampleMaskUrl}`,
			`  control         : ${sim.url}/__control/{configure,faults,reset,stats,requests,config}`,
			'',
			'Try:',
			`  curl -s -X POST '${sim.submitBaseUrl}/getImage' \\`,
			`    -H 'Ocp-Apim-Subscription-Key: ${sim.key}' -H 'Content-Type: application/json' \\`,
			`    -d '${body}'`,
			`  curl -s -X POST '${sim.pollBaseUrl}/getGenerationResults' \\`,
			`    -H 'Ocp-Apim-Subscription-Key: ${sim.key}' -H 'Content-Type: application/json' \\`,
			`    -d '{"job_set_id":"<job_set_id from the answer above>"}'`,
			'',
			'Ctrl-C to stop.',
			'',
		].join('\n'),
	);
}

let stopping = false;
/** @param {string} signal */
async function stop(signal) {
	if (stopping) return;
	stopping = true;
	if (!args.quiet) process.stdout.write(`\n${signal}: stopping the simulator\n`);
	await sim.close();
	process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
