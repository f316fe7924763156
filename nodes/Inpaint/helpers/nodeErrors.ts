import type { INode } from 'n8n-workflow';
import { ExecutionBaseError, NodeApiError, NodeOperationError } from 'n8n-workflow';

export type NodeError = NodeApiError | NodeOperationError;

/**
 * Any error as the node reports it: the node's own errors and n8n's (an expression that failed,
 * say) keep their words; anything else is a bug in the node, and says so.
 */
export function toNodeError(node: INode, error: unknown, itemIndex: number): NodeError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	if (error instanceof ExecutionBaseError)
		return new NodeOperationError(node, error.message, {
			itemIndex,
			description: error.description ?? undefined,
		});
	const message = error instanceof Error ? error.message : String(error);
	return new NodeOperationError(node, `Unexpected failure: ${message}`, {
		itemIndex,
		description:
			'This is a bug in the Inpaint node: please report it with the input that caused it.',
	});
}

/** The HTTP status an API error carries, if any. */
export function httpCodeOf(error: NodeError): number | null {
	const code = error instanceof NodeApiError ? Number(error.httpCode) : NaN;
	return Number.isFinite(code) && code > 0 ? code : null;
}
