import { describe, expect, it } from "vitest";
import { cutUtf8, OutputBuffer } from "./output.ts";

describe("OutputBuffer", () => {
  it("keeps stdout and stderr apart under one budget", () => {
    const output = new OutputBuffer(10);
    expect(output.write("stdout", "abc")).toBe(true);
    expect(output.write("stderr", "de")).toBe(true);
    expect(output.write("stdout", "f")).toBe(true);
    expect(output).toMatchObject({ stdout: "abcf", stderr: "de", usedBytes: 6, truncated: false });
  });

  it("keeps what fits of a write that overflows, and refuses everything after", () => {
    const output = new OutputBuffer(10);
    output.write("stdout", "12345678");
    expect(output.write("stderr", "abcdef")).toBe(false);
    expect(output.write("stdout", "z")).toBe(false);
    expect(output).toMatchObject({ stdout: "12345678", stderr: "ab", usedBytes: 10, truncated: true });
  });

  it("counts UTF-8 bytes and never splits a character", () => {
    const output = new OutputBuffer(8);
    expect(output.write("stdout", "é€")).toBe(true); // 2 + 3 bytes
    expect(output.write("stdout", "😀")).toBe(false); // 4 bytes do not fit in the 3 left
    expect(output.stdout).toBe("é€");
    expect(output.usedBytes).toBe(5);
    expect(output.truncated).toBe(true);
  });

  it("shares the budget with the serialized result", () => {
    const output = new OutputBuffer(10);
    output.write("stdout", "12345");
    expect(output.reserve(5)).toBe(true);
    expect(output.usedBytes).toBe(10);
    expect(output.truncated).toBe(false);
    expect(output.reserve(1)).toBe(false);
    expect(output.truncated).toBe(true);
    expect(output.usedBytes).toBe(10);
  });
});

describe("cutUtf8", () => {
  it("returns the longest prefix that fits", () => {
    expect(cutUtf8("hello", 3)).toBe("hel");
    expect(cutUtf8("hello", 10)).toBe("hello");
    expect(cutUtf8("hello", 0)).toBe("");
    expect(cutUtf8("aé", 2)).toBe("a");
    expect(cutUtf8("a€b", 4)).toBe("a€");
    expect(cutUtf8("😀😀", 7)).toBe("😀");
  });
});
