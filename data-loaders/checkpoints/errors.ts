import {SourceError} from "../errors.js";

/**
 * A malformed tensor file (safetensors checkpoint or .npz artifact). Names the file, the tensor (or
 * npz array) the problem is in — `null` when it is about the file as a whole (header, zip directory) —
 * and the reason. A `SourceError`, so the CLI reports it as bad input rather than a crash.
 */
export class TensorFileError extends SourceError {
  constructor(
    file: string,
    readonly tensor: string | null,
    readonly reason: string,
    label = "tensor"
  ) {
    super(file, tensor === null ? reason : `${label} "${tensor}": ${reason}`);
    this.name = "TensorFileError";
  }
}

/** A malformed `.safetensors` file. */
export class SafetensorsError extends TensorFileError {
  constructor(file: string, tensor: string | null, reason: string) {
    super(file, tensor, reason);
    this.name = "SafetensorsError";
  }
}

/** A malformed `.npz` (zip of `.npy`) or `.npy` file. `array` is the array name (entry without `.npy`). */
export class NpzError extends TensorFileError {
  constructor(file: string, array: string | null, reason: string) {
    super(file, array, reason, "array");
    this.name = "NpzError";
  }
  get array(): string | null {
    return this.tensor;
  }
}
