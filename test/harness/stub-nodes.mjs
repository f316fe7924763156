// n8n-core-free stand-ins for a few n8n-nodes-base node types, so example workflows exported
// from n8n can keep their real nodes (Manual Trigger, No Operation, ...) while the harness only
// loads the community package under test.
//
// They are plain INodeType objects (description + execute), as a hand-written node would be.
// Each records what it received in the run's `received` log (see engine.mjs).

/**
 * @typedef {{ nodeName: string, nodeType: string, items: unknown[], parameters: Record<string, unknown> }} StubCall
 * @typedef {(executionId: string | undefined, call: StubCall) => void} StubRecorder
 */

export const MANUAL_TRIGGER = 'n8n-nodes-base.manualTrigger';
export const IF = 'n8n-nodes-base.if';
export const NO_OP = 'n8n-nodes-base.noOp';
export const SET = 'n8n-nodes-base.set';
export const MERGE = 'n8n-nodes-base.merge';
export const BASE_PREFIX = 'n8n-nodes-base.';

/**
 * @param {string} fullType
 * @param {string} displayName
 * @param {{ trigger?: boolean }} [options]
 */
function describe(fullType, displayName, options = {}) {
	const shortName = fullType.slice(fullType.lastIndexOf('.') + 1);
	return {
		displayName,
		name: fullType,
		// Real base nodes carry many versions; accept whichever typeVersion the workflow file has.
		version: [1, 1.1, 1.2, 1.3, 1.4, 1.5, 2, 2.1, 2.2, 3, 3.1, 3.2, 3.3, 3.4, 4, 4.1, 4.2, 4.3, 5],
		group: options.trigger ? ['trigger'] : ['transform'],
		description: `Harness stand-in for ${shortName}`,
		defaults: { name: displayName },
		inputs: options.trigger ? [] : ['main'],
		outputs: ['main'],
		properties: [],
		codex: { categories: ['Harness'] },
	};
}

/** The empty Options collection the real nodes carry. */
const OPTIONS = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	default: {},
	options: [],
};

/**
 * A stand-in node type: each run records what it received (every input) and its parameters,
 * then `work(context, items of input 1)` makes its outputs.
 * @param {any} description
 * @param {StubRecorder} recorder
 * @param {(context: any, items: any[]) => any[][]} work
 */
function stub(description, recorder, work) {
	return {
		description,
		/** @this {any} */
		async execute() {
			const items = this.getInputData();
			const inputs = description.inputs.length;
			const received =
				inputs > 1 ? description.inputs.flatMap((_, k) => this.getInputData(k)) : items;
			const node = this.getNode();
			recorder(this.getExecutionId?.(), {
				nodeName: node.name,
				nodeType: node.type,
				items: received.map((/** @type {any} */ item) => ({ ...item })),
				parameters: { ...node.parameters },
			});
			return work(this, items);
		},
	};
}

/**
 * A pass-through node: returns its input items unchanged and records them.
 * @param {string} fullType
 * @param {string} displayName
 * @param {StubRecorder} recorder
 * @param {{ trigger?: boolean }} [options]
 */
function passThrough(fullType, displayName, recorder, options) {
	return stub(describe(fullType, displayName, options), recorder, (_, items) => [items]);
}

/**
 * A stand-in for n8n's If (version 2.x): its `conditions` filter is evaluated by n8n-core itself
 * (`getNodeParameter(…, { extractValue: true })` on a `filter` parameter, as the real If does);
 * items that pass go to output 0 (true), the others to output 1 (false), so a loop through it
 * really loops.
 * @param {StubRecorder} recorder
 */
function ifNode(recorder) {
	const description = {
		...describe(IF, 'If (stub)'),
		outputs: ['main', 'main'],
		outputNames: ['true', 'false'],
		properties: [
			{ displayName: 'Conditions', name: 'conditions', type: 'filter', default: {} },
			OPTIONS,
		],
	};
	return stub(description, recorder, (context, items) => {
		/** @type {any[]} */ const passed = [];
		/** @type {any[]} */ const failed = [];
		items.forEach((/** @type {any} */ item, /** @type {number} */ i) => {
			const pass = context.getNodeParameter('conditions', i, false, { extractValue: true });
			(pass === true ? passed : failed).push({ ...item, pairedItem: { item: i } });
		});
		return [passed, failed];
	});
}

/**
 * A stand-in for n8n's Set (Edit Fields, version 3.x): the values of its `assignments`, evaluated
 * by n8n-core (expressions included), are added to each item's JSON and its binary data is kept,
 * as the real node does with *Include Other Fields* on (version 3.3 and later drop both without
 * it; the stand-in always keeps them, so a Set without assignments passes items through).
 * @param {StubRecorder} recorder
 */
function setNode(recorder) {
	const description = {
		...describe(SET, 'Set (stub)'),
		properties: [
			{ displayName: 'Fields', name: 'assignments', type: 'assignmentCollection', default: {} },
			{
				displayName: 'Include Other Fields',
				name: 'includeOtherFields',
				type: 'boolean',
				default: false,
			},
			OPTIONS,
		],
	};
	return stub(description, recorder, (context, items) => [
		items.map((/** @type {any} */ item, /** @type {number} */ i) => {
			/** @type {{ assignments?: { name: string, value: unknown }[] }} */
			const { assignments = [] } = context.getNodeParameter('assignments', i, {});
			const json = { ...item.json };
			for (const { name, value } of assignments) json[name] = value;
			return { ...item, json, pairedItem: { item: i } };
		}),
	]);
}

/**
 * A stand-in for n8n's Merge in *Choose Branch → Wait for All Inputs to Arrive → Data of
 * Specified Input 1* (version 3.x): two inputs; it runs once both have arrived and outputs the
 * items of input 1.
 * @param {StubRecorder} recorder
 */
function mergeNode(recorder) {
	const description = { ...describe(MERGE, 'Merge (stub)'), inputs: ['main', 'main'] };
	return stub(description, recorder, (_, first) => [first]);
}

/**
 * Builds the stand-in node types.
 *
 * - `n8n-nodes-base.manualTrigger`: a start node. It emits what it is started with, which is one
 *   empty item unless runWorkflow({ input }) says otherwise (n8n's real Manual Trigger emits one
 *   empty item through the trigger machinery; the stand-in is an `execute` node so that `input`
 *   can be fed through it). n8n-workflow already treats this type name as a start node.
 * - `n8n-nodes-base.noOp`: passes items through (as the real No Operation node does).
 * - `n8n-nodes-base.if` when listed in `stubTypes`: evaluates its conditions (see ifNode).
 * - `n8n-nodes-base.set` and `.merge` when listed: see setNode and mergeNode.
 * - every other `n8n-nodes-base.*` listed in `stubTypes`: passes items through unchanged.
 *
 * @param {string[]} stubTypes full type names (`n8n-nodes-base.httpRequest`) or short names (`httpRequest`)
 * @param {StubRecorder} recorder
 * @returns {Record<string, any>} node types keyed by full type name
 */
export function createStubNodeTypes(stubTypes, recorder) {
	/** @type {Record<string, any>} */
	const types = {
		[MANUAL_TRIGGER]: passThrough(MANUAL_TRIGGER, 'Manual Trigger', recorder, { trigger: true }),
		[NO_OP]: passThrough(NO_OP, 'No Operation, do nothing', recorder),
	};
	for (const raw of stubTypes) {
		const fullType = raw.includes('.') ? raw : `${BASE_PREFIX}${raw}`;
		if (!fullType.startsWith(BASE_PREFIX)) {
			throw new Error(`stubTypes only stands in for ${BASE_PREFIX}* node types, not "${raw}"`);
		}
		if (fullType in types) continue;
		const special = { [IF]: ifNode, [SET]: setNode, [MERGE]: mergeNode }[fullType];
		if (special) {
			types[fullType] = special(recorder);
			continue;
		}
		const trigger = /trigger$/i.test(fullType);
		types[fullType] = passThrough(
			fullType,
			`${fullType.slice(BASE_PREFIX.length)} (stub)`,
			recorder,
			{
				trigger,
			},
		);
	}
	return types;
}
