import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { PlannedItem } from '../helpers/batch';
import { runBatch } from '../helpers/batch';
import type { RunOptions } from '../helpers/options';
import { OPTION_DEFAULTS, readRunOptions } from '../helpers/options';
import { redactError } from '../helpers/redact';
import { readEndpoints } from '../transport/endpoints';
import { Pacer } from '../transport/pacer';
import { CREDENTIAL_TYPE } from '../transport/request';
import { Waiter } from '../transport/waiter';
import * as getResults from './getResults.operation';
import * as submit from './submit.operation';

const operations = { submit, getResults };

export type Operation = keyof typeof operations;

/**
 * Checks every item first, so that a mistake in item 7 stops the run before item 0 creates a
 * (billable) job, then hands all items to the batch runner at once.
 */
export async function route(fx: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = fx.getInputData();
	const operation = fx.getNodeParameter('operation', 0) as Operation;
	const op = operations[operation];
	if (!op) throw unknownOperationError(fx, operation);
	// n8n's Retry On Fail re-runs the whole node after an error, and also (with On Error →
	// Continue) whenever the first output item is an error item: every item would be submitted
	// and billed again. Refused for Submit in both modes, before anything is sent.
	const refused =
		operation === 'submit' && fx.getNode().retryOnFail ? retryOnFailError(fx) : undefined;
	if (refused && !fx.continueOnFail()) throw refused;
	if (items.length === 0) return [];

	const credentials = await fx.getCredentials(CREDENTIAL_TYPE);
	const secret = typeof credentials.subscriptionKey === 'string' ? credentials.subscriptionKey : '';
	const endpoints = readEndpoints(fx, credentials);
	const waiter = new Waiter(fx.getNode(), fx.getExecutionCancelSignal());

	const early = new Map<number, NodeApiError | NodeOperationError>();
	const fail = (itemIndex: number, error: unknown) =>
		early.set(itemIndex, redactError(asNodeError(fx, error, itemIndex), secret));
	const checked: Array<{ itemIndex: number; options: RunOptions }> = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			if (refused) throw refused;
			checked.push({ itemIndex, options: readRunOptions(fx, itemIndex) });
		} catch (error) {
			fail(itemIndex, error);
		}
	}
	// The pace is shared by the whole run, so its Concurrency is the first valid item's.
	const pacer = new Pacer(checked[0]?.options.concurrency ?? OPTION_DEFAULTS.concurrency, waiter);
	const transport = { fx, pacer, waiter };
	const planned: PlannedItem[] = [];
	for (const { itemIndex, options } of checked) {
		try {
			planned.push({ itemIndex, task: op.plan(fx, itemIndex, transport, endpoints, options) });
		} catch (error) {
			fail(itemIndex, error);
		}
	}
	// Without Continue On Fail, a mistake in any item stops the run before anything is sent.
	if (!fx.continueOnFail() && early.size > 0)
		throw early.get(Math.min(...early.keys())) as NodeOperationError;
	return await runBatch(fx, items.length, planned, early, secret);
}

function retryOnFailError(fx: IExecuteFunctions): NodeOperationError {
	return new NodeOperationError(fx.getNode(), 'Turn off Retry On Fail for this Submit node', {
		description:
			"Retry On Fail makes n8n run the whole node again after an error, or after an item failed under On Error → Continue, and every item would be submitted (and billed) again. The node already retries what is safe to retry: see Options → Max Retries. Turn Retry On Fail off in the node's Settings; On Error → Continue alone gives an error item per failed job.",
	});
}

/** n8n's editor offers "Custom API Call" on every node with a credential; it is not an operation here. */
function unknownOperationError(fx: IExecuteFunctions, operation: string): NodeOperationError {
	if (operation === '__CUSTOM_API_CALL__') {
		return new NodeOperationError(
			fx.getNode(),
			'Custom API Call is not an operation of this node',
			{
				description:
					'Choose Submit or Get Results, or call any other endpoint with an HTTP Request node: Authentication → Predefined Credential Type → Pixazo API.',
			},
		);
	}
	return new NodeOperationError(fx.getNode(), `The operation "${operation}" is not supported`, {
		description: 'Choose Submit or Get Results.',
	});
}

function asNodeError(
	fx: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeOperationError || error instanceof NodeApiError) return error;
	return new NodeOperationError(
		fx.getNode(),
		error instanceof Error ? error.message : String(error),
		{ itemIndex },
	);
}
