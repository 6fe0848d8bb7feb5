/**
 * What a plugin author writes: identity, fields, the outputs rule, the CPU reference and,
 * later, a CUDA kernel. `definePlugin` checks it and turns it into a Plugin.
 */
import type { DType, Tensor } from '@kiln-inference/core';
import type { FieldSchema, FieldValues } from './field-schema.js';
import type { InputFacts, OutputDecl } from './plugin-outputs.js';

/**
 * A callback checked as a method is (bivariantly), so a Plugin with a specific field schema is
 * still a Plugin<FieldSchema> where registries hold plugins of every schema.
 */
type Method<F extends (ctx: never) => unknown> = { m(...args: Parameters<F>): ReturnType<F> }['m'];

/** What the outputs rule and the workspace size see. */
export interface ShapeContext<F> {
  readonly inputs: readonly InputFacts[];
  readonly fields: F;
}

/** What the CPU reference sees: input tensors, checked fields and the outputs it must produce. */
export interface CpuContext<F> {
  readonly inputs: readonly Tensor[];
  readonly fields: F;
  /** `outputs()` for these inputs: concrete sizes except data-dependent dims (`upTo`). */
  readonly outputs: readonly OutputDecl[];
  /** `workspaceSize` zeroed bytes of scratch, fresh per call. */
  readonly workspace: Uint8Array;
  /** The layer being run, for messages. */
  readonly layer: string;
}

/** Launch geometry of a CUDA kernel: grid and block sizes, x/y/z. */
export interface CudaLaunch {
  readonly grid: readonly [number, number, number];
  readonly block: readonly [number, number, number];
  readonly sharedMemoryBytes?: number;
}

/**
 * A CUDA implementation: CUDA C++ source compiled at build time with NVRTC and launched once
 * per run with the geometry `launch` gives. Declared here so plugins can ship one; the CUDA
 * backend does not run plugins yet, so the partitioner keeps plugin layers on the CPU.
 */
export interface CudaImplementation<F> {
  readonly source: string;
  /** The `extern "C" __global__` function to launch. */
  readonly entry: string;
  launch(ctx: ShapeContext<F>): CudaLaunch;
}

/** A framework op the plugin converts: an ONNX custom-domain op, a TF or UFF op, or a built-in to override. */
export interface PluginConversion {
  /** 'tf', 'uff', 'ai.onnx' (or '') for standard ONNX ops, or an ONNX custom domain such as 'com.acme'. */
  readonly domain: string;
  readonly op: string;
  /** Built-in converters have priority 0; give more to override one. Default 0. */
  readonly priority?: number;
  /** Field values from the node's attributes; default: each field read from the attribute of its name. */
  readonly fields?: (attributes: Readonly<Record<string, unknown>>) => Readonly<Record<string, unknown>>;
}

export interface PluginSpec<S extends FieldSchema> {
  /** Who owns the plugin ('acme'); 'kiln' is kiln's own. */
  readonly namespace: string;
  readonly name: string;
  /** Bumped when fields or semantics change: plans record it and need the same version to load. */
  readonly version: string;
  /** One line for docs and `kiln inspect`. */
  readonly summary?: string;
  /** Input names, in order; the count is checked. Absent: any number of inputs. */
  readonly inputs?: readonly string[];
  readonly fields?: S;
  /** Input dtypes the plugin takes: one list for every input, or a list per input. Absent: any. */
  readonly dtypes?: readonly DType[] | readonly (readonly DType[])[];
  /** Output dtypes and shapes from input dtypes, shapes and fields; pure, never runs the kernel. */
  outputs(ctx: ShapeContext<FieldValues<S>>): readonly OutputDecl[];
  /** Scratch bytes the kernel needs (a number, or from inputs and fields). Default 0. */
  readonly workspaceSize?: number | Method<(ctx: ShapeContext<FieldValues<S>>) => number>;
  /** The TypeScript reference implementation; returns the outputs in order. */
  cpu(ctx: CpuContext<FieldValues<S>>): Tensor | readonly Tensor[];
  readonly cuda?: CudaImplementation<FieldValues<S>>;
  /** Framework ops converted to this plugin, besides nodes of domain `namespace` and op `name`. */
  readonly converts?: readonly PluginConversion[];
}
