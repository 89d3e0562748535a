/**
 * Collects a guest's stdout and stderr under one byte budget (UTF-8), shared with the serialized
 * result: `stdout + stderr + result` together must fit the output limit.
 */
export class OutputBuffer {
  #stdout: string[] = [];
  #stderr: string[] = [];
  #used = 0;
  /** True once something was cut or refused. */
  truncated = false;

  constructor(readonly limitBytes: number) {}

  get usedBytes(): number {
    return this.#used;
  }

  get stdout(): string {
    return this.#stdout.join("");
  }

  get stderr(): string {
    return this.#stderr.join("");
  }

  /** Appends text; returns false (and keeps what fits) when the budget is used up. */
  write(stream: "stdout" | "stderr", text: string): boolean {
    const target = stream === "stdout" ? this.#stdout : this.#stderr;
    const bytes = Buffer.byteLength(text, "utf8");
    if (this.#used + bytes <= this.limitBytes) {
      target.push(text);
      this.#used += bytes;
      return true;
    }
    const fitting = cutUtf8(text, this.limitBytes - this.#used);
    target.push(fitting);
    this.#used += Buffer.byteLength(fitting, "utf8");
    this.truncated = true;
    return false;
  }

  /** Whether `bytes` more (e.g. a serialized result) still fit; counts them if so. */
  reserve(bytes: number): boolean {
    if (this.#used + bytes > this.limitBytes) {
      this.truncated = true;
      return false;
    }
    this.#used += bytes;
    return true;
  }
}

/** The longest prefix of `text` whose UTF-8 encoding fits `maxBytes`, never splitting a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return "";
  const encoded = Buffer.from(text, "utf8");
  if (encoded.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so the cut falls on a character boundary.
  while (end > 0 && (encoded[end]! & 0xc0) === 0x80) end--;
  return encoded.subarray(0, end).toString("utf8");
}
