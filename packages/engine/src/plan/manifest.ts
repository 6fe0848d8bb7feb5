/**
 * The plan manifest: everything a loader must check before trusting a plan's sections. It is
 * stored as canonical JSON right after the container header.
 */
import type { DType } from '@kiln-inference/core';

/** Bumped whenever the container layout or a section's encoding changes incompatibly. */
export const PLAN_FORMAT_VERSION = 1;

/** The backend a plan was built for; its executor must match at load time. */
export type BackendName = 'cpu' | 'cuda';

export interface DeviceInfo {
  /** 'cpu' for the reference backend; a GPU name for CUDA. */
  type: string;
  /** CPU architecture (process.arch), or the GPU's compute capability ("8.0"). */
  arch: string;
}

export interface PluginRef {
  namespace: string;
  name: string;
  version: string;
  /** The npm package (name@version) the plugin came from: what a loader without it should install. */
  package?: string;
}

/** Compute precision a plan was built for. */
export type PlanPrecision = 'fp32' | 'tf32' | 'fp16';

export interface BuildSettings {
  /** cpu: fp32; cuda: fp32, tf32 (tensor cores on float32 data) or fp16 (half storage, NHWC). */
  precision: PlanPrecision;
  /** Names of the builder passes that ran, in order. */
  passes: string[];
  /** Whether tactics were chosen by timing them on the build machine. */
  tuned?: boolean;
  maxWorkspaceSize?: number;
  /** The optimization profile the plan was built for: min/opt/max per input; runs outside it are refused. */
  profile?: Record<string, { min: number[]; opt: number[]; max: number[] }>;
}

export interface SectionEntry {
  name: string;
  /** Byte offset from the start of the section area (after the manifest), aligned. */
  offset: number;
  length: number;
  /** Lower-case hex SHA-256 of the section bytes. */
  sha256: string;
}

export interface PlanManifest {
  formatVersion: number;
  kilnVersion: string;
  backend: BackendName;
  device: DeviceInfo;
  /** Element types that layers compute in (from the network's declared dtypes). */
  precisions: DType[];
  plugins: PluginRef[];
  buildSettings: BuildSettings;
  sections: SectionEntry[];
}
