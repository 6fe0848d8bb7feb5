/**
 * SavedModel: `saved_model.pb` (MetaGraphDefs, each a GraphDef with tags and signatures) plus
 * the `variables/` checkpoint bundle. Loading picks a MetaGraph by tags and a signature by key,
 * restores the variables as weights and prunes the graph to the signature's outputs (which
 * drops the save/restore machinery).
 */
import { basename, join, resolve } from 'node:path';
import {
  checkModelBytes,
  type DType,
  ErrorCode,
  findModelFile,
  type Graph,
  KilnError,
  type ResourceLimits,
  readModelFile,
  readModelPath,
  resourceLimits,
  type Shape,
  type Tensor,
  withResourceLimits,
} from '@kiln-inference/core';
import { shapeFromTf } from '../attributes.js';
import { buildTfGraph, parseTensorName, valueName } from '../graph-builder.js';
import { decodeGraphDef, decodeShape, type TfGraphDef } from '../proto/tf-messages.js';
import { ProtoReader, readMapEntry, WireType } from '../proto/wire-reader.js';
import { kilnDTypeOf } from '../tf-dtypes.js';
import { variableCheckpointKeys } from './object-graph.js';
import { restoreBundle } from './tensor-bundle.js';

export interface SignatureTensor {
  /** The signature's own key for this tensor ('x'). */
  key: string;
  /** The graph tensor it names ('x:0'). */
  tensorName: string;
  dtype?: DType;
  shape: Shape | null;
}

export interface SignatureDef {
  key: string;
  methodName: string;
  inputs: SignatureTensor[];
  outputs: SignatureTensor[];
}

export interface MetaGraph {
  tags: string[];
  tensorflowVersion: string;
  signatures: SignatureDef[];
  graphDef: TfGraphDef;
  /** TF2: variable name → checkpoint key, from the SavedObjectGraph. */
  variableKeys: Map<string, string>;
}

function decodeTensorInfo(key: string, r: ProtoReader): SignatureTensor {
  const info: SignatureTensor = { key, tensorName: '', shape: null };
  r.forEach((field, wt) => {
    if (field === 1) info.tensorName = r.string();
    else if (field === 2) {
      const dtype = kilnDTypeOf(r.int32());
      if (dtype) info.dtype = dtype;
    } else if (field === 3) info.shape = shapeFromTf(decodeShape(r.message()));
    else r.skip(wt);
  });
  return info;
}

function decodeSignature(key: string, r: ProtoReader): SignatureDef {
  const sig: SignatureDef = { key, methodName: '', inputs: [], outputs: [] };
  r.forEach((field, wt) => {
    if (field === 1 || field === 2) {
      r.expect(wt, WireType.BYTES, 'SignatureDef.inputs/outputs');
      const [k, v] = readMapEntry(
        r,
        (e) => e.string(),
        (e) => decodeTensorInfo('', e.message()),
        {
          key: '',
          value: (): SignatureTensor => ({ key: '', tensorName: '', shape: null }),
        },
      );
      (field === 1 ? sig.inputs : sig.outputs).push({ ...v, key: k });
    } else if (field === 3) sig.methodName = r.string();
    else r.skip(wt);
  });
  return sig;
}

function decodeMetaGraph(r: ProtoReader): MetaGraph {
  const mg: MetaGraph = {
    tags: [],
    tensorflowVersion: '',
    signatures: [],
    graphDef: { nodes: [], producer: 0, functionNames: [], library: new Map() },
    variableKeys: new Map(),
  };
  r.forEach((field, wt) => {
    if (field === 1) {
      const info = r.message('MetaInfoDef');
      info.forEach((f, w) => {
        if (f === 4) mg.tags.push(info.string());
        else if (f === 5) mg.tensorflowVersion = info.string();
        else info.skip(w);
      });
    } else if (field === 2) mg.graphDef = decodeGraphDef(r.message('GraphDef'));
    else if (field === 7) mg.variableKeys = variableCheckpointKeys(r.message('SavedObjectGraph'));
    else if (field === 5) {
      r.expect(wt, WireType.BYTES, 'MetaGraphDef.signature_def');
      const [k, sig] = readMapEntry(
        r,
        (e) => e.string(),
        (e) => decodeSignature('', e.message('SignatureDef')),
        {
          key: '',
          value: () => ({ key: '', methodName: '', inputs: [], outputs: [] }),
        },
      );
      mg.signatures.push({ ...sig, key: k });
    } else r.skip(wt);
  });
  return mg;
}

/** Lists the MetaGraphs of a saved_model.pb (tags, signatures, graph). */
export function readSavedModel(bytes: Uint8Array): MetaGraph[] {
  const r = new ProtoReader(bytes, 'saved_model.pb');
  const metaGraphs: MetaGraph[] = [];
  r.forEach((field, wt) => {
    if (field === 2) {
      r.expect(wt, WireType.BYTES, 'SavedModel.meta_graphs');
      metaGraphs.push(decodeMetaGraph(r.message('MetaGraphDef')));
    } else r.skip(wt);
  });
  if (metaGraphs.length === 0) {
    throw new KilnError(ErrorCode.INVALID_MODEL, 'saved_model.pb holds no MetaGraph', {
      hint: 'this is not a SavedModel; a frozen graph is read with loadGraphDef',
    });
  }
  return metaGraphs;
}

export interface SavedModelOptions {
  /** MetaGraph tags to match (all must be present); default ['serve']. */
  tags?: string[];
  /** Signature key; default 'serving_default', or the only signature. */
  signature?: string;
  inputShapes?: Record<string, Shape>;
  /** Tensors to compute instead of the signature's outputs ('name' or 'name:N'). */
  outputs?: string[];
  /** Overrides of the resource limits in force (tensor and model bytes, nodes, outputs per node). */
  limits?: Partial<ResourceLimits>;
}

export interface LoadedSavedModel {
  graph: Graph;
  metaGraph: MetaGraph;
  signature: SignatureDef;
  /** Restored variables by checkpoint key. */
  variables: Map<string, Tensor>;
}

function pickMetaGraph(metaGraphs: MetaGraph[], tags: string[]): MetaGraph {
  const mg = metaGraphs.find((m) => tags.every((t) => m.tags.includes(t)));
  if (!mg) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `no MetaGraph has tags [${tags.join(', ')}]`, {
      hint: `available: ${metaGraphs.map((m) => `[${m.tags.join(', ')}]`).join(' ')}`,
    });
  }
  return mg;
}

function pickSignature(mg: MetaGraph, key?: string): SignatureDef {
  const wanted = key ?? (mg.signatures.length === 1 ? mg.signatures[0]!.key : 'serving_default');
  const sig = mg.signatures.find((s) => s.key === wanted);
  if (!sig) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `the MetaGraph has no signature '${wanted}'`, {
      hint: `available signatures: ${mg.signatures.map((s) => s.key).join(', ') || '(none)'}`,
    });
  }
  return sig;
}

/**
 * Variable nodes read their value from the checkpoint under their name or shared_name (TF1), or
 * under the object-graph key of that name (TF2).
 */
function variableWeights(mg: MetaGraph, variables: Map<string, Tensor>): Map<string, Tensor> {
  const weights = new Map<string, Tensor>();
  for (const node of mg.graphDef.nodes) {
    if (!['VariableV2', 'Variable', 'VarHandleOp'].includes(node.op)) continue;
    const shared = node.attr.get('shared_name');
    const sharedName = shared?.kind === 's' ? new TextDecoder().decode(shared.value) : '';
    const key = mg.variableKeys.get(sharedName) ?? mg.variableKeys.get(node.name);
    const value =
      variables.get(node.name) ?? (sharedName ? variables.get(sharedName) : undefined) ?? (key ? variables.get(key) : undefined);
    if (value) weights.set(node.name, value);
  }
  return weights;
}

/**
 * Loads a SavedModel folder. The variables' index and data shards go through @kiln-inference/core's path
 * policy: they must lie in the folder (symlinks included), and a missing shard is an IO_ERROR
 * naming it.
 */
export async function loadSavedModel(dir: string, options: SavedModelOptions = {}): Promise<LoadedSavedModel> {
  const limits = resourceLimits(options.limits);
  const pb = await readModelPath(join(dir, 'saved_model.pb'), 'SavedModel');
  checkModelBytes(pb.length, 'saved_model.pb', {}, limits);
  const metaGraphs = withResourceLimits(limits, () => readSavedModel(pb));
  const metaGraph = pickMetaGraph(metaGraphs, options.tags ?? ['serve']);
  const signature = pickSignature(metaGraph, options.signature);
  let variables = new Map<string, Tensor>();
  // A model whose weights are all constants may have no variables index at all.
  const indexPath = findModelFile(dir, 'variables/variables.index', 'SavedModel variables index');
  if (indexPath) {
    const index = await readModelFile(dir, 'variables/variables.index', 'SavedModel variables index', limits);
    variables = await restoreBundle(
      index,
      (name) => readModelFile(dir, `variables/${name}`, 'SavedModel variables data shard', limits),
      'variables',
      limits,
    );
  }
  const graph = buildTfGraph(metaGraph.graphDef.nodes, metaGraph.graphDef.producer, {
    limits,
    library: metaGraph.graphDef.library,
    name: basename(resolve(dir, '..')),
    outputs: options.outputs ?? signature.outputs.map((o) => valueName(parseTensorName(o.tensorName))),
    weights: variableWeights(metaGraph, variables),
    ...(options.inputShapes ? { inputShapes: options.inputShapes } : {}),
    metadata: { source: 'tf-savedmodel', signature: signature.key, tags: metaGraph.tags.join(',') },
  });
  return { graph, metaGraph, signature, variables };
}
