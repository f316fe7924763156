import type { ICredentialDataDecryptedObject, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import {
	DEFAULT_POLL_BASE_URL,
	DEFAULT_SUBMIT_BASE_URL,
} from '../../../credentials/PixazoApi.credentials';
import { isHttp, parseUrl } from '../helpers/validate';

export interface Endpoints {
	submitUrl: string;
	pollUrl: string;
}

function endpoint(
	node: INode,
	label: string,
	value: unknown,
	fallback: string,
	path: string,
): string {
	const base = typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
	if (!isHttp(parseUrl(base))) {
		throw new NodeOperationError(node, `The credential's ${label} is not an http(s) URL`, {
			description: `Open the Pixazo API credential and set ${label} to a full URL such as ${fallback}.`,
		});
	}
	return `${base.replace(/\/+$/, '')}${path}`;
}

/** The two full endpoint URLs, from the credential's base URLs (checked once per run). */
export function readEndpoints(node: INode, credentials: ICredentialDataDecryptedObject): Endpoints {
	return {
		submitUrl: endpoint(
			node,
			'Submit Base URL',
			credentials.submitBaseUrl,
			DEFAULT_SUBMIT_BASE_URL,
			'/getImage',
		),
		pollUrl: endpoint(
			node,
			'Polling Base URL',
			credentials.pollBaseUrl,
			DEFAULT_POLL_BASE_URL,
			'/getGenerationResults',
		),
	};
}
