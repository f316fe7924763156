import type {
	ICredentialDataDecryptedObject,
	IExecuteFunctions,
	INodeExecutionData,
} from 'n8n-workflow';

import type { NodeError } from '../helpers/nodeErrors';
import { httpCodeOf, toNodeError } from '../helpers/nodeErrors';
import { hashOfKey } from '../helpers/keyHash';
import type { RunOptions } from '../helpers/options';
import { NUMBER_OPTIONS } from '../helpers/options';
import { forModel, toErrorJson } from '../helpers/output';
import { redact, redactError, secretOf } from '../helpers/redact';
import { readEndpoints } from '../transport/endpoints';
import { NodeRun, RunStopped } from '../transport/nodeRun';
import type { ItemResult, ItemTask } from './itemRun';
import { AcceptedJobs } from './itemRun';

/** An item checked and ready: its options and its work. */
export interface PlannedItem {
	itemIndex: number;
	options: RunOptions;
	task: ItemTask;
}

/** The items of a run: how many came in, those checked and ready, those that already failed. */
interface ItemsToRun {
	itemCount: number;
	planned: PlannedItem[];
	early: Map<number, NodeError>;
	credentials: ICredentialDataDecryptedObject;
}

/**
 * Runs every planned item at once (the pace lines decide which request goes when) and returns
 * one output item per input item, in input order. With Continue On Fail a failed item becomes an
 * error item carrying its job; without it, the first failure is thrown, naming every job the API
 * accepted for the other items.
 */
export async function runItems(
	context: IExecuteFunctions,
	items: ItemsToRun,
): Promise<INodeExecutionData[]> {
	const endpoints = readEndpoints(context.getNode(), items.credentials);
	const secret = secretOf(items.credentials);
	// Concurrency caps the whole run, so it is the first valid item's.
	const concurrency = items.planned[0]?.options.concurrency ?? NUMBER_OPTIONS.concurrency.default;
	const run = new NodeRun(context, concurrency, hashOfKey(secret));
	const continueOnFail = context.continueOnFail();
	const jobs = new AcceptedJobs();
	const results = new Map<number, ItemResult>();
	const failures = new Map<number, NodeError>(items.early);
	await Promise.all(
		items.planned.map(async ({ itemIndex, options, task }) => {
			try {
				results.set(itemIndex, await task({ run, itemIndex, options, endpoints, jobs }));
			} catch (error) {
				// An item the stopping run never sent has no outcome of its own: the first failure is thrown.
				if (error instanceof RunStopped) return;
				failures.set(
					itemIndex,
					redactError(toNodeError(context.getNode(), error, itemIndex), secret),
				);
				run.itemFailed();
			}
		}),
	);
	if (!continueOnFail && failures.size > 0) throw firstFailure(failures, jobs);
	return outputItems(run, { itemCount: items.itemCount, secret }, { results, failures, jobs });
}

/** The lowest item's failure, its description naming the jobs the API accepted. */
function firstFailure(failures: Map<number, NodeError>, jobs: AcceptedJobs): NodeError {
	const first = Math.min(...failures.keys());
	const error = failures.get(first) as NodeError;
	const own = jobs.of(first);
	if (own && !`${error.message} ${error.description ?? ''}`.includes(own.jobSetId)) {
		error.description =
			`${error.description ?? ''} The API had accepted this item's job: ${own.jobSetId} (last status: ${own.status}).`.trim();
	}
	const others = jobs.othersThan(first);
	if (others.length > 0) {
		error.description =
			`${error.description ?? ''} Jobs the API accepted for other items, to fetch with Get Results: ${others.join(', ')}.`.trim();
	}
	return error;
}

interface Outcomes {
	results: Map<number, ItemResult>;
	failures: Map<number, NodeError>;
	jobs: AcceptedJobs;
}

/** One output item per input item, in order: its result, or (Continue On Fail) its error. */
function outputItems(
	run: NodeRun,
	items: { itemCount: number; secret: string },
	{ results, failures, jobs }: Outcomes,
): INodeExecutionData[] {
	const asTool = runsAsTool(run);
	const out: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.itemCount; itemIndex++) {
		const pairedItem = { item: itemIndex };
		const failure = failures.get(itemIndex);
		if (failure) {
			out.push({ json: toErrorJson(failure, httpCodeOf(failure), jobs.of(itemIndex)), pairedItem });
			continue;
		}
		const result = results.get(itemIndex) as ItemResult;
		const json = redact(asTool ? forModel(result.json) : result.json, items.secret);
		const item: INodeExecutionData = { json, pairedItem };
		if (result.binary && Object.keys(result.binary).length > 0) item.binary = result.binary;
		out.push(item);
	}
	return out;
}

/**
 * Whether n8n runs the node as an AI Agent tool: as its generated "…Tool" node type (n8n 1.x and
 * 2.x, the Agent's engine requests), or as a sub-node tool, where n8n 2.x answers isToolExecution().
 */
function runsAsTool(run: NodeRun): boolean {
	const { context } = run;
	const isToolExecution = (context as { isToolExecution?: () => boolean }).isToolExecution;
	return context.getNode().type.endsWith('Tool') || isToolExecution?.call(context) === true;
}
