import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as getResults from './actions/getResults.operation';
import { optionsProperty } from './actions/options.description';
import { route } from './actions/router';
import * as submit from './actions/submit.operation';

export class Inpaint implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Inpaint',
		name: 'inpaint',
		icon: { light: 'file:inpaint.svg', dark: 'file:inpaint.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] === "getResults" ? "Get Results" : "Submit" }}',
		description:
			'Repaint the masked part of an image from a text prompt (Stable Diffusion v1.5 inpainting by Pixazo)',
		defaults: { name: 'Inpaint' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'pixazoApi', required: true }],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				default: 'submit',
				options: [
					{
						name: 'Submit',
						value: 'submit',
						action: 'Inpaint an image',
						description: 'Send an image, a mask and a prompt; by default wait for the result',
					},
					{
						name: 'Get Results',
						value: 'getResults',
						action: 'Get the results of a job',
						description: 'Look up a submitted job by its Job Set ID',
					},
				],
			},
			...submit.description,
			...getResults.description,
			optionsProperty,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [await route(this)];
	}
}
