import type {
	IBinaryKeyData,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { RunStopped } from '../transport/request';
import { redact, redactError } from './redact';

export interface ItemResult {
	json: IDataObject;
	binary?: IBinaryKeyData;
}

/** What the run knows about each item's job, so that no accepted job is ever lost. */
export interface JobRecord {
	jobSetId: string;
	status: string;
}

export class Batch {
	/** Set when an item failed and Continue On Fail is off: no further submit is sent, other items stop waiting. */
	stopped = false;

	readonly jobs = new Map<number, JobRecord>();

	record(itemIndex: number, jobSetId: string | null, status: string): void {
		if (jobSetId) this.jobs.set(itemIndex, { jobSetId, status });
	}
}

/** One item's work. */
export type ItemTask = (batch: Batch) => Promise<ItemResult>;

export interface PlannedItem {
	itemIndex: number;
	task: ItemTask;
}

type NodeError = NodeApiError | NodeOperationError;

function asNodeError(fx: IExecuteFunctions, error: unknown, itemIndex: number): NodeError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	const message = error instanceof Error ? error.message : String(error);
	return new NodeOperationError(fx.getNode(), `Unexpected failure: ${message}`, {
		itemIndex,
		description:
			'This is a bug in the Inpaint node: please report it with the input that caused it.',
	});
}

/**
 * Whether n8n runs the node as an AI Agent tool: as its generated "…Tool" node type (n8n 1.x and
 * 2.x, the Agent's engine requests), or as a sub-node tool, where n8n 2.x answers isToolExecution().
 */
function runsAsTool(fx: IExecuteFunctions): boolean {
	const isToolExecution = (fx as { isToolExecution?: () => boolean }).isToolExecution;
	return fx.getNode().type.endsWith('Tool') || isToolExecution?.call(fx) === true;
}

function withoutRaw(json: IDataObject): IDataObject {
	return Object.fromEntries(Object.entries(json).filter(([key]) => key !== 'raw'));
}

function httpCodeOf(error: NodeError): number | null {
	const code = error instanceof NodeApiError ? Number(error.httpCode) : NaN;
	return Number.isFinite(code) && code > 0 ? code : null;
}

/**
 * Runs every item's task at once (the shared Pacer bounds the HTTP traffic), and returns
 * one output item per input item, in input order. With Continue On Fail a failed item becomes
 * an error item carrying its jobSetId; without it, the first failure is thrown, and its
 * description names every job the API accepted for the other items.
 */
export async function runBatch(
	fx: IExecuteFunctions,
	itemCount: number,
	planned: PlannedItem[],
	early: Map<number, NodeError>,
	secret: string,
): Promise<INodeExecutionData[]> {
	const continueOnFail = fx.continueOnFail();
	// Run as an AI Agent tool, each item's JSON is what the model reads: the API's raw answer only
	// repeats the URLs, at the cost of the model's context.
	const forModel = runsAsTool(fx);
	const batch = new Batch();
	const results = new Map<number, ItemResult>();
	const failures = new Map<number, NodeError>(early);

	// Every item starts at once: the execution's Pacer decides which request goes when.
	await Promise.all(
		planned.map(async ({ itemIndex, task }) => {
			try {
				results.set(itemIndex, await task(batch));
			} catch (error) {
				// An item the stopping run never sent has no outcome of its own: the first failure is thrown.
				if (error instanceof RunStopped) return;
				failures.set(itemIndex, redactError(asNodeError(fx, error, itemIndex), secret));
				if (!continueOnFail) batch.stopped = true;
			}
		}),
	);

	if (!continueOnFail && failures.size > 0) {
		const first = Math.min(...failures.keys());
		const error = failures.get(first) as NodeError;
		const own = batch.jobs.get(first);
		if (own && !`${error.message} ${error.description ?? ''}`.includes(own.jobSetId)) {
			error.description =
				`${error.description ?? ''} The API had accepted this item's job: ${own.jobSetId} (last status: ${own.status}).`.trim();
		}
		const others = [...batch.jobs.entries()].filter(([i]) => i !== first);
		if (others.length > 0) {
			const list = others
				.map(([i, job]) => `item ${i}: ${job.jobSetId} (${job.status})`)
				.join(', ');
			error.description =
				`${error.description ?? ''} Jobs the API accepted for other items, to fetch with Get Results: ${list}.`.trim();
		}
		throw error;
	}

	const out: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		const pairedItem = { item: itemIndex };
		const failure = failures.get(itemIndex);
		if (failure) {
			const job = batch.jobs.get(itemIndex);
			out.push({
				json: {
					error: failure.message,
					description: failure.description ?? null,
					httpCode: httpCodeOf(failure),
					jobSetId: job?.jobSetId ?? null,
					status: job?.status ?? null,
				},
				pairedItem,
			});
			continue;
		}
		const result = results.get(itemIndex) as ItemResult;
		const item: INodeExecutionData = {
			json: redact(forModel ? withoutRaw(result.json) : result.json, secret),
			pairedItem,
		};
		if (result.binary && Object.keys(result.binary).length > 0) item.binary = result.binary;
		out.push(item);
	}
	return out;
}
