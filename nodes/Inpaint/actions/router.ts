import type { IDataObject, IExecuteFunctions, INode, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { CREDENTIAL_NAME } from '../../../credentials/PixazoApi.credentials';
import type { NodeError } from '../helpers/nodeErrors';
import { toNodeError } from '../helpers/nodeErrors';
import { readRunOptions } from '../helpers/options';
import { redactError, secretOf } from '../helpers/redact';
import type { PlannedItem } from '../job/runItems';
import { runItems } from '../job/runItems';
import * as getResults from './getResults.operation';
import * as submit from './submit.operation';

const operations = { submit, getResults };

/**
 * Checks every item first, so that a mistake in item 7 stops the run before item 0 creates a
 * (billable) job, then runs all items at once.
 */
export async function route(context: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const node = context.getNode();
	const items = context.getInputData();
	const operation = context.getNodeParameter('operation', 0) as string;
	const op = operation in operations ? operations[operation as keyof typeof operations] : undefined;
	if (!op) throw unknownOperationError(node, operation);
	// n8n's Retry On Fail re-runs the whole node after an error, and also (with On Error →
	// Continue) whenever the first output item is an error item: every item would be submitted
	// and billed again. Refused for Submit in both modes, before anything is sent.
	const refused = operation === 'submit' && node.retryOnFail ? retryOnFailError(node) : undefined;
	if (refused && !context.continueOnFail()) throw refused;
	if (items.length === 0) return [];

	const credentials = await context.getCredentials(CREDENTIAL_NAME);
	const secret = secretOf(credentials);
	const early = new Map<number, NodeError>();
	const planned: PlannedItem[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			if (refused) throw refused;
			const raw = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
			const options = readRunOptions(node, raw, itemIndex);
			planned.push({ itemIndex, options, task: op.prepare(context, itemIndex) });
		} catch (error) {
			early.set(itemIndex, redactError(toNodeError(node, error, itemIndex), secret));
		}
	}
	// Without Continue On Fail, a mistake in any item stops the run before anything is sent.
	if (!context.continueOnFail() && early.size > 0)
		throw early.get(Math.min(...early.keys())) as NodeError;
	return await runItems(context, { itemCount: items.length, planned, early, credentials });
}

function retryOnFailError(node: INode): NodeOperationError {
	return new NodeOperationError(node, 'Turn off Retry On Fail for this Submit node', {
		description:
			"n8n would run the whole node again after an error, submitting (and billing) every item again. Turn it off in the node's Settings: the node retries what is safe by itself (Options > Max Retries), and On Error → Continue gives an error item per failed job.",
	});
}

/** n8n's editor offers "Custom API Call" on every node with a credential; it is not an operation here. */
function unknownOperationError(node: INode, operation: string): NodeOperationError {
	if (operation === '__CUSTOM_API_CALL__') {
		return new NodeOperationError(node, 'Custom API Call is not an operation of this node', {
			description:
				'Choose Submit or Get Results, or call any other endpoint with an HTTP Request node: Authentication → Predefined Credential Type → Pixazo API.',
		});
	}
	return new NodeOperationError(node, `The operation "${operation}" is not supported`, {
		description: 'Choose Submit or Get Results.',
	});
}
